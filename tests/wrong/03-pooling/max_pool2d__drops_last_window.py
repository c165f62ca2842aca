def max_pool2d(x, kernel_size, stride=None, padding=0):
    # Bug: off by one in the output size ((n + 2p - k) // s without the + 1), the last window is lost.
    x = np.asarray(x, dtype=float)
    k = kernel_size
    s = k if stride is None else stride
    H, W = x.shape[-2:]
    oh = max(1, (H + 2 * padding - k) // s)
    ow = max(1, (W + 2 * padding - k) // s)
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)), constant_values=-np.inf)
    out = np.full(x.shape[:2] + (oh, ow), -np.inf)
    for a in range(k):
        for b in range(k):
            out = np.maximum(out, xp[:, :, a : a + (oh - 1) * s + 1 : s, b : b + (ow - 1) * s + 1 : s])
    return out
