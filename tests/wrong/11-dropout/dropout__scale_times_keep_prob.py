def dropout(x, p=0.5, training=True, rng=None):
    # Bug: multiplies the kept entries by 1 - p (the test-time rule of the original paper) while training.
    x = np.asarray(x, dtype=float)
    if not training or p == 0:
        return x.copy()
    if p == 1:
        return np.zeros_like(x)
    if rng is None:
        rng = np.random.default_rng()
    keep = rng.random(x.shape) >= p
    return x * keep * (1.0 - p)
