def equivariance_error(layer, x, dy, dx):
    # Bug: the mean absolute difference instead of the largest one.
    a = np.asarray(layer(circular_shift(x, dy, dx)), dtype=float)
    b = np.asarray(circular_shift(layer(x), dy, dx), dtype=float)
    return float(np.mean(np.abs(a - b)))
