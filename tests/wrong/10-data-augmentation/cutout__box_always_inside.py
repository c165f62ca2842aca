def cutout(x, size, rng):
    # Bug: the square is always placed wholly inside the image, so border regions are erased less often.
    H, W = x.shape[-2:]
    top, left = int(rng.integers(0, H - size + 1)), int(rng.integers(0, W - size + 1))
    out = x.copy()
    out[..., top:top + size, left:left + size] = 0.0
    return out
