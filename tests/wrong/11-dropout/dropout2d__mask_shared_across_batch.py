def dropout2d(x, p, training, rng):
    # Bug: one channel mask for the whole batch (C draws), so every example loses the same channels.
    if not training:
        return x
    if p == 1.0:
        return np.zeros_like(x)
    keep = rng.random(x.shape[1]) >= p
    return x * keep[None, :, None, None] / (1.0 - p)
