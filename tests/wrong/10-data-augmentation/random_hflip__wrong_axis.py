def random_hflip(x, p, rng):
    # Bug: reverses the height axis (an upside-down image), not the width.
    if rng.random() < p:
        return x[..., ::-1, :].copy()
    return x.copy()
