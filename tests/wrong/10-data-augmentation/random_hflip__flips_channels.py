def random_hflip(x, p, rng):
    # Bug: reverses the first axis (the channels, e.g. RGB -> BGR), not the width.
    if rng.random() < p:
        return x[::-1].copy()
    return x.copy()
