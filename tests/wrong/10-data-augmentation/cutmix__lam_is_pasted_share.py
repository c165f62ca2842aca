def cutmix(x, y, alpha, rng):
    # Bug: lam is the share of pasted pixels, i.e. the weight of y_b, but it is returned as the weight of y_a.
    lam0 = float(rng.beta(alpha, alpha))
    perm = rng.permutation(len(x))
    H, W = x.shape[-2:]
    cut = math.sqrt(1.0 - lam0)
    ch, cw = int(H * cut), int(W * cut)
    cy, cx = int(rng.integers(0, H)), int(rng.integers(0, W))
    top, bottom = np.clip([cy - ch // 2, cy + ch // 2], 0, H)
    left, right = np.clip([cx - cw // 2, cx + cw // 2], 0, W)
    mixed = x.copy()
    mixed[..., top:bottom, left:right] = x[perm][..., top:bottom, left:right]
    return mixed, y, y[perm], float((bottom - top) * (right - left) / (H * W))
