def global_avg_pool2d(x):
    # Bug: averages over the height, then keeps the first column only.
    return np.asarray(x, dtype=float).mean(axis=-2)[..., 0]
