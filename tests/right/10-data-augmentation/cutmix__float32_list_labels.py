def cutmix(x, y, alpha, rng):
    # Correct, written differently: float32 output, partner labels as a list, a per-image loop.
    lam0 = float(rng.beta(alpha, alpha))
    perm = rng.permutation(len(x))
    H, W = x.shape[-2:]
    cut_h, cut_w = int(H * math.sqrt(1 - lam0)), int(W * math.sqrt(1 - lam0))
    cy, cx = int(rng.integers(0, H)), int(rng.integers(0, W))
    top, bottom = min(max(cy - cut_h // 2, 0), H), min(max(cy + cut_h // 2, 0), H)
    left, right = min(max(cx - cut_w // 2, 0), W), min(max(cx + cut_w // 2, 0), W)
    mixed = x.astype(np.float32)
    for i, j in enumerate(perm):
        mixed[i, :, top:bottom, left:right] = x[j, :, top:bottom, left:right]
    pasted = (bottom - top) * (right - left)
    return mixed, y, [int(y[j]) for j in perm], 1.0 - pasted / (H * W)
