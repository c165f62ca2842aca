def corr2d_multi_in(x, k):
    # Right: a list of per-channel results added up with Python's sum.
    return sum([corr2d(x_c, k_c) for x_c, k_c in zip(x, k)])
