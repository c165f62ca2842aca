def dropout(x, p, training, rng):
    # Bug: the original (not inverted) dropout: no scaling in training, multiply by 1 - p in evaluation.
    if not training:
        return x * (1.0 - p)
    keep = rng.random(x.shape) >= p
    return x * keep
