def corr2d(x, k):
    # Bug: swaps the kernel's rows and columns.
    x = np.asarray(x, dtype=float)
    k = np.asarray(k, dtype=float).T
    kh, kw = k.shape
    oh, ow = x.shape[0] - kh + 1, x.shape[1] - kw + 1
    y = np.zeros((oh, ow))
    for i in range(oh):
        for j in range(ow):
            y[i, j] = (x[i:i + kh, j:j + kw] * k).sum()
    return y
