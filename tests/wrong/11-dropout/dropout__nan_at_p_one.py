def dropout(x, p, training, rng):
    # Bug: p = 1 divides 0 by 0 and returns nan instead of zeros.
    if not training:
        return x
    keep = rng.random(x.shape) >= p
    with np.errstate(divide="ignore", invalid="ignore"):
        return x * keep / (1.0 - p)
