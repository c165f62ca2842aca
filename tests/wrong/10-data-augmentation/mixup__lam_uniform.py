def mixup(x, y, alpha, rng):
    # Bug: lam is uniform on [0, 1] whatever alpha (right only for alpha = 1).
    lam = float(rng.uniform())
    perm = rng.permutation(len(x))
    return lam * x + (1.0 - lam) * x[perm], y, y[perm], lam
