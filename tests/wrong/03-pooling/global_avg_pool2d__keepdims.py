def global_avg_pool2d(x):
    # Bug: keeps the two spatial axes, returning shape (N, C, 1, 1) instead of (N, C).
    return np.asarray(x, dtype=float).mean(axis=(-2, -1), keepdims=True)
