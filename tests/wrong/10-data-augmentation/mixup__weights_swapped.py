def mixup(x, y, alpha, rng):
    # Bug: the image gets weight 1 - lam, its partner lam, but lam is returned for y_a.
    lam = float(rng.beta(alpha, alpha))
    perm = rng.permutation(len(x))
    return (1.0 - lam) * x + lam * x[perm], y, y[perm], lam
