def random_hflip(x, p, rng):
    # Correct, written differently: fancy indexing with reversed column indices (always a copy).
    width = x.shape[-1]
    cols = np.arange(width)[::-1] if rng.random() < p else np.arange(width)
    return x[:, :, cols]
