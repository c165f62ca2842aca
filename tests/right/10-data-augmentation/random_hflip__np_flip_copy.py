def random_hflip(x, p, rng):
    # Correct, written differently: np.flip on the last axis, np.array for the new array.
    flip = rng.random() < p
    return np.array(np.flip(x, axis=-1) if flip else x)
