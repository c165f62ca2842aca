def equivariance_error(layer, x, dy, dx):
    # Bug: measures invariance (compares with the unshifted output) instead of equivariance.
    a = np.asarray(layer(circular_shift(x, dy, dx)), dtype=float)
    b = np.asarray(layer(x), dtype=float)
    return float(np.max(np.abs(a - b)))
