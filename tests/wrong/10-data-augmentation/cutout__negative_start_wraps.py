def cutout(x, size, rng):
    # Bug: does not clip the start at 0; a negative start makes the slice empty or wrap.
    H, W = x.shape[-2:]
    cy, cx = int(rng.integers(0, H)), int(rng.integers(0, W))
    y0, x0 = cy - size // 2, cx - size // 2
    out = x.copy()
    out[..., y0:y0 + size, x0:x0 + size] = 0.0
    return out
