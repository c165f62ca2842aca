def corr2d(x, k):
    # Bug: flips the kernel, computing a true convolution instead of a cross-correlation.
    x = np.asarray(x, dtype=float)
    k = np.asarray(k, dtype=float)[::-1, ::-1]
    kh, kw = k.shape
    oh, ow = x.shape[0] - kh + 1, x.shape[1] - kw + 1
    y = np.zeros((oh, ow))
    for a in range(kh):
        for b in range(kw):
            y += k[a, b] * x[a:a + oh, b:b + ow]
    return y
