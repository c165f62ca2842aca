def mixup(x, y, alpha, rng):
    # Correct, written differently: a loop over the images of the batch.
    lam = float(rng.beta(alpha, alpha))
    perm = rng.permutation(x.shape[0])
    mixed = np.empty_like(x)
    for i in range(x.shape[0]):
        mixed[i] = lam * x[i] + (1 - lam) * x[perm[i]]
    return mixed, y.copy(), y[perm], lam
