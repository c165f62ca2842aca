def equivariance_error(layer, x, dy, dx):
    # Correct, written differently: a Python loop over the flattened differences.
    a = np.ravel(layer(circular_shift(x, dy, dx)))
    b = np.ravel(circular_shift(layer(x), dy, dx))
    worst = 0.0
    for u, v in zip(a.tolist(), b.tolist()):
        worst = max(worst, abs(u - v))
    return worst
