def cutout(x, size, rng):
    # Bug: writes into the caller's array instead of a copy.
    H, W = x.shape[-2:]
    cy, cx = int(rng.integers(0, H)), int(rng.integers(0, W))
    y0, x0 = cy - size // 2, cx - size // 2
    x[..., max(y0, 0):min(y0 + size, H), max(x0, 0):min(x0 + size, W)] = 0.0
    return x
