def global_avg_pool2d(x):
    # Bug: global max pooling instead of the mean.
    return np.asarray(x, dtype=float).max(axis=(-2, -1))
