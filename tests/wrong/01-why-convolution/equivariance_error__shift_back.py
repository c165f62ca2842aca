def equivariance_error(layer, x, dy, dx):
    # Bug: shifts the output the opposite way.
    a = np.asarray(layer(circular_shift(x, dy, dx)), dtype=float)
    b = np.asarray(circular_shift(layer(x), -dy, -dx), dtype=float)
    return float(np.max(np.abs(a - b)))
