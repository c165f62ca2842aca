def dropout(x, p, training, rng):
    # Bug: draws from numpy's global generator, not from rng: not repeatable under a seeded rng.
    if not training:
        return x
    if p == 1.0:
        return np.zeros_like(x)
    keep = np.random.random(x.shape) >= p
    return x * keep / (1.0 - p)
