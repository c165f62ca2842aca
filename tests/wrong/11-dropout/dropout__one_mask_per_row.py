def dropout(x, p, training, rng):
    # Bug: draws one mask for the last axis and reuses it for every row.
    if not training:
        return x
    if p == 1.0:
        return np.zeros_like(x)
    keep = rng.random(x.shape[-1]) >= p
    return x * keep / (1.0 - p)
