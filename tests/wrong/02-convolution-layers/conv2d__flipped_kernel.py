def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    # Bug: flips the kernel (true convolution).
    def pair(v):
        return (int(v), int(v)) if np.ndim(v) == 0 else (int(v[0]), int(v[1]))
    x = np.asarray(x, dtype=float)
    weight = np.asarray(weight, dtype=float)[:, :, ::-1, ::-1]
    (sh, sw), (ph, pw), (dh, dw) = pair(stride), pair(padding), pair(dilation)
    n, c, h, w = x.shape
    c_out, _, kh, kw = weight.shape
    xp = np.zeros((n, c, h + 2 * ph, w + 2 * pw))
    xp[:, :, ph:ph + h, pw:pw + w] = x
    oh = (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    ow = (w + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    out = np.zeros((n, c_out, oh, ow))
    for a in range(kh):
        for b in range(kw):
            patch = xp[:, :, a * dh:a * dh + sh * (oh - 1) + 1:sh, b * dw:b * dw + sw * (ow - 1) + 1:sw]
            out += np.einsum("nchw,oc->nohw", patch, weight[:, :, a, b])
    if bias is not None:
        out += np.asarray(bias, dtype=float)[None, :, None, None]
    return out
