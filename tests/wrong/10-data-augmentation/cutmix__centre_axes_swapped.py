def cutmix(x, y, alpha, rng):
    # Bug: the centre row is drawn over the width and the centre column over the height.
    lam0 = float(rng.beta(alpha, alpha))
    perm = rng.permutation(len(x))
    H, W = x.shape[-2:]
    cut = math.sqrt(1.0 - lam0)
    ch, cw = int(H * cut), int(W * cut)
    cy, cx = int(rng.integers(0, W)), int(rng.integers(0, H))
    top, bottom = np.clip([cy - ch // 2, cy + ch // 2], 0, H)
    left, right = np.clip([cx - cw // 2, cx + cw // 2], 0, W)
    mixed = x.copy()
    mixed[..., top:bottom, left:right] = x[perm][..., top:bottom, left:right]
    lam = 1.0 - (bottom - top) * (right - left) / (H * W)
    return mixed, y, y[perm], float(lam)
