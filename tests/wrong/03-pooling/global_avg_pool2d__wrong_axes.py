def global_avg_pool2d(x):
    # Bug: averages over channels and height instead of height and width.
    return np.asarray(x, dtype=float).mean(axis=(1, 2))
