def fc_params(in_shape, out_features, bias=True):
    # Bug: forgets the biases even when bias=True.
    n_in = 1
    for size in in_shape:
        n_in *= int(size)
    return n_in * int(out_features)
