def corr2d(x, k):
    # Bug: zero-pads so the output keeps the input's size ("same" instead of "valid").
    x = np.asarray(x, dtype=float)
    k = np.asarray(k, dtype=float)
    kh, kw = k.shape
    xp = np.pad(x, ((kh // 2, kh - 1 - kh // 2), (kw // 2, kw - 1 - kw // 2)))
    y = np.zeros(x.shape)
    for a in range(kh):
        for b in range(kw):
            y += k[a, b] * xp[a:a + x.shape[0], b:b + x.shape[1]]
    return y
