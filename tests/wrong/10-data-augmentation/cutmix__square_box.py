def cutmix(x, y, alpha, rng):
    # Bug: a square box whose side comes from the smaller image side, whatever the image's shape.
    lam0 = float(rng.beta(alpha, alpha))
    perm = rng.permutation(len(x))
    H, W = x.shape[-2:]
    side = int(min(H, W) * math.sqrt(1.0 - lam0))
    cy, cx = int(rng.integers(0, H)), int(rng.integers(0, W))
    top, bottom = np.clip([cy - side // 2, cy + side // 2], 0, H)
    left, right = np.clip([cx - side // 2, cx + side // 2], 0, W)
    mixed = x.copy()
    mixed[..., top:bottom, left:right] = x[perm][..., top:bottom, left:right]
    lam = 1.0 - (bottom - top) * (right - left) / (H * W)
    return mixed, y, y[perm], float(lam)
