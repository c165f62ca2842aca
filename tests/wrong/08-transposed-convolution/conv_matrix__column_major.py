def conv_matrix(weight, input_size, stride=1, padding=0):
    # Bug: the input is flattened column by column (Fortran order) instead of row by row.
    weight = np.asarray(weight, dtype=float)
    kh, kw = weight.shape
    h, w = input_size
    ho = (h + 2 * padding - kh) // stride + 1
    wo = (w + 2 * padding - kw) // stride + 1
    r = np.arange(ho)[:, None]
    q = np.arange(wo)[None, :]
    rows = (r * wo + q).ravel()
    C = np.zeros((ho * wo, h * w))
    for a in range(kh):
        for b in range(kw):
            hi = np.broadcast_to(r * stride - padding + a, (ho, wo)).ravel()
            wi = np.broadcast_to(q * stride - padding + b, (ho, wo)).ravel()
            ok = (hi >= 0) & (hi < h) & (wi >= 0) & (wi < w)
            C[rows[ok], wi[ok] * h + hi[ok]] = weight[a, b]
    return C
