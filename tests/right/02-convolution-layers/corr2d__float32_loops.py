def corr2d(x, k):
    # Right: single precision, a loop over the output pixels (checked at rtol = atol = 1e-5).
    x = np.asarray(x, dtype=np.float32)
    k = np.asarray(k, dtype=np.float32)
    kh, kw = k.shape
    oh, ow = x.shape[0] - kh + 1, x.shape[1] - kw + 1
    y = np.zeros((oh, ow), dtype=np.float32)
    for i in range(oh):
        for j in range(ow):
            y[i, j] = np.sum(x[i:i + kh, j:j + kw] * k)
    return y
