def dropout(x, p, training, rng):
    # Bug: keeps an entry with probability p (drops with 1 - p), as if p were the keep probability.
    if not training:
        return x
    if p == 0.0:
        return np.zeros_like(x)
    keep = rng.random(x.shape) < p
    return x * keep / p
