def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    # Bug: always uses stride 1.
    def pair(v):
        return (int(v), int(v)) if np.ndim(v) == 0 else (int(v[0]), int(v[1]))
    x, weight = np.asarray(x, dtype=float), np.asarray(weight, dtype=float)
    (ph, pw), (dh, dw) = pair(padding), pair(dilation)
    n, c, h, w = x.shape
    c_out, _, kh, kw = weight.shape
    xp = np.zeros((n, c, h + 2 * ph, w + 2 * pw))
    xp[:, :, ph:ph + h, pw:pw + w] = x
    oh, ow = h + 2 * ph - dh * (kh - 1), w + 2 * pw - dw * (kw - 1)
    out = np.zeros((n, c_out, oh, ow))
    for a in range(kh):
        for b in range(kw):
            out += np.einsum("nchw,oc->nohw", xp[:, :, a * dh:a * dh + oh, b * dw:b * dw + ow], weight[:, :, a, b])
    if bias is not None:
        out += np.asarray(bias, dtype=float)[None, :, None, None]
    return out
