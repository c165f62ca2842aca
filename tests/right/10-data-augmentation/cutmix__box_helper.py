def _box(H, W, lam0, rng):
    """Rows top:bottom and columns left:right of the clipped box for the weight lam0."""
    ratio = np.sqrt(1.0 - lam0)
    half_h, half_w = int(H * ratio) // 2, int(W * ratio) // 2
    cy, cx = rng.integers(0, H), rng.integers(0, W)
    return (max(cy - half_h, 0), min(cy + half_h, H), max(cx - half_w, 0), min(cx + half_w, W))


def cutmix(x, y, alpha, rng):
    # Correct, written differently: a helper for the box, a boolean mask, np.where.
    lam0 = rng.beta(alpha, alpha)
    perm = rng.permutation(x.shape[0])
    H, W = x.shape[2], x.shape[3]
    top, bottom, left, right = _box(H, W, lam0, rng)
    mask = np.zeros((H, W), dtype=bool)
    mask[top:bottom, left:right] = True
    mixed = np.where(mask, x[perm], x)
    return mixed, y.copy(), y[perm], float(1.0 - mask.mean())
