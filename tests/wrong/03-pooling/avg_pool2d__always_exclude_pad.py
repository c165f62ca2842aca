def avg_pool2d(x, kernel_size, stride=None, padding=0, count_include_pad=True):
    # Bug: always divides by the number of real pixels, ignoring count_include_pad=True.
    x = np.asarray(x, dtype=float)
    k = kernel_size
    s = k if stride is None else stride
    H, W = x.shape[-2:]
    oh = pool_output_size(H, k, s, padding)
    ow = pool_output_size(W, k, s, padding)
    pad = ((0, 0), (0, 0), (padding, padding), (padding, padding))
    xp = np.pad(x, pad)
    ones = np.pad(np.ones((1, 1, H, W)), pad)
    total = np.zeros(x.shape[:2] + (oh, ow))
    count = np.zeros((1, 1, oh, ow))
    for a in range(k):
        for b in range(k):
            rows = slice(a, a + (oh - 1) * s + 1, s)
            cols = slice(b, b + (ow - 1) * s + 1, s)
            total += xp[:, :, rows, cols]
            count += ones[:, :, rows, cols]
    return total / count
