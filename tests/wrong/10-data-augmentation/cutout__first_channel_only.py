def cutout(x, size, rng):
    # Bug: erases the square in the first channel only.
    H, W = x.shape[-2:]
    cy, cx = int(rng.integers(0, H)), int(rng.integers(0, W))
    y0, x0 = cy - size // 2, cx - size // 2
    out = x.copy()
    out[0, max(y0, 0):min(y0 + size, H), max(x0, 0):min(x0 + size, W)] = 0.0
    return out
