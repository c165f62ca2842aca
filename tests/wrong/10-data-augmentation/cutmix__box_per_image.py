def cutmix(x, y, alpha, rng):
    # Bug: every image gets its own box, but one lam is returned for the batch.
    lam0 = float(rng.beta(alpha, alpha))
    perm = rng.permutation(len(x))
    H, W = x.shape[-2:]
    cut = math.sqrt(1.0 - lam0)
    ch, cw = int(H * cut), int(W * cut)
    mixed = x.copy()
    for i in range(len(x)):
        cy, cx = int(rng.integers(0, H)), int(rng.integers(0, W))
        top, bottom = np.clip([cy - ch // 2, cy + ch // 2], 0, H)
        left, right = np.clip([cx - cw // 2, cx + cw // 2], 0, W)
        mixed[i, :, top:bottom, left:right] = x[perm[i], :, top:bottom, left:right]
    return mixed, y, y[perm], float(1.0 - ch * cw / (H * W))
