def cutmix(x, y, alpha, rng):
    # Bug: the box height is scaled by the image width and its width by the image height, so on
    # non-square images the box has the wrong shape (and, after clipping, the wrong area).
    lam0 = float(rng.beta(alpha, alpha))
    perm = rng.permutation(len(x))
    H, W = x.shape[-2:]
    cut = math.sqrt(1.0 - lam0)
    ch, cw = int(W * cut), int(H * cut)
    cy, cx = int(rng.integers(0, H)), int(rng.integers(0, W))
    top, bottom = np.clip([cy - ch // 2, cy + ch // 2], 0, H)
    left, right = np.clip([cx - cw // 2, cx + cw // 2], 0, W)
    mixed = x.copy()
    mixed[..., top:bottom, left:right] = x[perm][..., top:bottom, left:right]
    lam = 1.0 - (bottom - top) * (right - left) / (H * W)
    return mixed, y, y[perm], float(lam)
