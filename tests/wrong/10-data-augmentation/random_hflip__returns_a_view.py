def random_hflip(x, p, rng):
    # Bug: the flipped image is a view of the input (no copy): writing into it changes the input.
    if rng.random() < p:
        return x[..., ::-1]
    return x.copy()
