def mixup(x, y, alpha, rng):
    # Correct, written differently: float32 images, a numpy float32 lam, labels as a list.
    lam = rng.beta(alpha, alpha)
    perm = rng.permutation(len(x))
    mixed = (lam * x + (1.0 - lam) * x[perm]).astype(np.float32)
    return mixed, y, [int(v) for v in np.asarray(y)[perm]], np.float32(lam)
