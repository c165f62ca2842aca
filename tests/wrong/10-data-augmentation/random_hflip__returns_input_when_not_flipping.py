def random_hflip(x, p, rng):
    # Bug: when it does not flip it returns the input itself, not a new array: changing the
    # output changes the caller's image.
    if rng.random() < p:
        return x[..., ::-1].copy()
    return x
