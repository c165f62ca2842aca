def mixup(x, y, alpha, rng):
    # Bug: always mixes image i with image i + 1 instead of a random partner.
    lam = float(rng.beta(alpha, alpha))
    perm = np.roll(np.arange(len(x)), -1)
    return lam * x + (1.0 - lam) * x[perm], y, y[perm], lam
