def dropout(x, p, training, rng):
    # Bug: "divide by p", as a source article says; with the drop probability p the scale must be 1 / (1 - p).
    if not training:
        return x
    if p == 1.0:
        return np.zeros_like(x)
    keep = rng.random(x.shape) >= p
    return x * keep / p if p > 0 else x.copy()
