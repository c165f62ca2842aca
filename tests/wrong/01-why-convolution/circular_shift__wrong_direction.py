def circular_shift(x, dy, dx):
    # Bug: positive dy moves up and positive dx moves left.
    return np.roll(np.asarray(x), (-dy, -dx), axis=(-2, -1))
