def random_hflip(x, p, rng):
    # Bug: ignores p and flips half of the time.
    if rng.random() < 0.5:
        return x[..., ::-1].copy()
    return x.copy()
