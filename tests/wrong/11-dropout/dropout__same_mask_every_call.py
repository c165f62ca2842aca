def dropout(x, p=0.5, training=True, rng=None):
    # Bug: draws the mask from a fixed seed, ignoring rng, so every call drops the same entries.
    x = np.asarray(x, dtype=float)
    if not training or p == 0:
        return x.copy()
    if p == 1:
        return np.zeros_like(x)
    keep = np.random.default_rng(0).random(x.shape) >= p
    return x * keep / (1.0 - p)
