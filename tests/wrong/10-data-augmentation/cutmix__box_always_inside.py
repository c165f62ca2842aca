def cutmix(x, y, alpha, rng):
    # Bug: the box is placed wholly inside the image (never clipped), so the pasted areas have the wrong distribution.
    lam0 = float(rng.beta(alpha, alpha))
    perm = rng.permutation(len(x))
    H, W = x.shape[-2:]
    cut = math.sqrt(1.0 - lam0)
    ch, cw = int(H * cut), int(W * cut)
    top, left = int(rng.integers(0, H - ch + 1)), int(rng.integers(0, W - cw + 1))
    mixed = x.copy()
    mixed[..., top:top + ch, left:left + cw] = x[perm][..., top:top + ch, left:left + cw]
    return mixed, y, y[perm], float(1.0 - ch * cw / (H * W))
