def circular_shift(x, dy, dx):
    # Bug: rolls the first two axes, which are the image axes only for a 2-D array.
    return np.roll(np.asarray(x), (dy, dx), axis=(0, 1))
