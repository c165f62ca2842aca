def equivariance_error(layer, x, dy, dx):
    # Bug: forgets the absolute value, so large negative differences are missed.
    a = np.asarray(layer(circular_shift(x, dy, dx)), dtype=float)
    b = np.asarray(circular_shift(layer(x), dy, dx), dtype=float)
    return float(np.max(a - b))
