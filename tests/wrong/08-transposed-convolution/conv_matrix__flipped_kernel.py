def conv_matrix(weight, input_size, stride=1, padding=0):
    # Bug: the kernel is flipped, i.e. the matrix of a true convolution, not of conv2d's cross-correlation.
    weight = np.asarray(weight, dtype=float)[::-1, ::-1]
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
            C[rows[ok], hi[ok] * w + wi[ok]] = weight[a, b]
    return C
