def circular_shift(x, dy, dx):
    # Bug: dy moves the columns and dx the rows.
    return np.roll(np.asarray(x), (dx, dy), axis=(-2, -1))
