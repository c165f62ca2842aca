def unfold(x, kernel_size, dilation=1, padding=0, stride=1):
    # Bug: one window per row, shape (N, L, C * kh * kw), the transpose of torch's layout.
    x = np.asarray(x, dtype=float)
    kh, kw = (kernel_size, kernel_size) if np.ndim(kernel_size) == 0 else kernel_size
    n, c, h, w = x.shape
    p, d, s = padding, dilation, stride
    xp = np.zeros((n, c, h + 2 * p, w + 2 * p))
    xp[:, :, p:p + h, p:p + w] = x
    oh = (h + 2 * p - d * (kh - 1) - 1) // s + 1
    ow = (w + 2 * p - d * (kw - 1) - 1) // s + 1
    cols = np.zeros((n, c, kh, kw, oh, ow))
    for a in range(kh):
        for b in range(kw):
            cols[:, :, a, b] = xp[:, :, a * d:a * d + s * (oh - 1) + 1:s, b * d:b * d + s * (ow - 1) + 1:s]
    return cols.reshape(n, c * kh * kw, oh * ow).transpose(0, 2, 1)
