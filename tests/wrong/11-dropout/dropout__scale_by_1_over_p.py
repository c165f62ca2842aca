def dropout(x, p=0.5, training=True, rng=None):
    # Bug (seed 002's wording): divides the kept entries by p instead of 1 - p.
    x = np.asarray(x, dtype=float)
    if not training or p == 0:
        return x.copy()
    if p == 1:
        return np.zeros_like(x)
    if rng is None:
        rng = np.random.default_rng()
    keep = rng.random(x.shape) >= p
    return x * keep / p
