def fc_params(in_shape, out_features, bias=True):
    # Bug: counts only height x width, as if every image were grey.
    n_in = int(in_shape[-1])
    if len(in_shape) >= 2:
        n_in *= int(in_shape[-2])
    return n_in * int(out_features) + (int(out_features) if bias else 0)
