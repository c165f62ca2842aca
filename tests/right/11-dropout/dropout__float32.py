def dropout(x, p, training, rng):
    # Right: computed in single precision (float32 tolerance: rtol = atol = 1e-5).
    x = np.asarray(x, dtype=np.float32)
    if not training:
        return x
    if p == 1:
        return np.zeros_like(x)
    mask = (rng.random(x.shape) >= p).astype(np.float32)
    return x * mask / np.float32(1 - p)
