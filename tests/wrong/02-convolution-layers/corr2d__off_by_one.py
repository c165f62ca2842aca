def corr2d(x, k):
    # Bug: the output is one row and one column too small (forgets the + 1).
    x = np.asarray(x, dtype=float)
    k = np.asarray(k, dtype=float)
    kh, kw = k.shape
    oh, ow = x.shape[0] - kh, x.shape[1] - kw
    y = np.zeros((oh, ow))
    for i in range(oh):
        for j in range(ow):
            y[i, j] = (x[i:i + kh, j:j + kw] * k).sum()
    return y
