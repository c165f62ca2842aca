def fc_params(in_shape, out_features, bias=True):
    # Bug: one bias per input number instead of one per output unit.
    n_in = 1
    for size in in_shape:
        n_in *= int(size)
    return n_in * int(out_features) + (n_in if bias else 0)
