def dropout(x, p, training, rng):
    # Bug: drops but does not rescale the kept entries, so the expected output shrinks to (1 - p) x.
    if not training:
        return x
    keep = rng.random(x.shape) >= p
    return x * keep
