def equivariance_error(layer, x, dy, dx):
    # Correct, written differently: np.max of np.abs, returned as numpy's float64 scalar.
    diff = np.subtract(layer(circular_shift(x, dy, dx)), circular_shift(layer(x), dy, dx))
    return np.max(np.abs(diff))
