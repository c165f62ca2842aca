def mixup(x, y, alpha, rng):
    # Bug: the images are mixed but y_b is not reordered with them.
    lam = float(rng.beta(alpha, alpha))
    perm = rng.permutation(len(x))
    return lam * x + (1.0 - lam) * x[perm], y, y.copy(), lam
