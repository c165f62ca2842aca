def fc_params(in_shape, out_features, bias=True):
    # Bug: adds the dimensions of the input instead of multiplying them.
    n_in = sum(int(s) for s in in_shape)
    return n_in * int(out_features) + (int(out_features) if bias else 0)
