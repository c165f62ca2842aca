def dropout2d(x, p, training, rng):
    # Bug: one draw per entry (element-wise dropout), not one per example and channel.
    if not training:
        return x
    if p == 1.0:
        return np.zeros_like(x)
    keep = rng.random(x.shape) >= p
    return x * keep / (1.0 - p)
