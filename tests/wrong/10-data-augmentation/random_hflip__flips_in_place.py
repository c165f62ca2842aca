def random_hflip(x, p, rng):
    # Bug: flips the caller's array in place and returns it.
    if rng.random() < p:
        x[...] = x[..., ::-1].copy()
    return x
