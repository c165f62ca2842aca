def dropout2d(x, p, training, rng):
    # Bug: the kept channels are not divided by 1 - p.
    if not training:
        return x
    keep = rng.random(x.shape[:2]) >= p
    return x * keep[:, :, None, None]
