def dropout(x, p, training, rng):
    # Bug: ignores the mode and drops in evaluation too.
    if p == 1.0:
        return np.zeros_like(x)
    keep = rng.random(x.shape) >= p
    return x * keep / (1.0 - p)
