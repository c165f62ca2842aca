def random_hflip(x, p, rng):
    # Bug: flips when the draw is above p, i.e. with probability 1 - p.
    if rng.random() >= p:
        return x[..., ::-1].copy()
    return x.copy()
