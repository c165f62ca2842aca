def max_pool2d(x, kernel_size, stride=None, padding=0):
    # Bug: a missing stride defaults to 1 instead of kernel_size.
    x = np.asarray(x, dtype=float)
    k = kernel_size
    s = 1 if stride is None else stride
    H, W = x.shape[-2:]
    oh = pool_output_size(H, k, s, padding)
    ow = pool_output_size(W, k, s, padding)
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)), constant_values=-np.inf)
    out = np.full(x.shape[:2] + (oh, ow), -np.inf)
    for a in range(k):
        for b in range(k):
            out = np.maximum(out, xp[:, :, a : a + (oh - 1) * s + 1 : s, b : b + (ow - 1) * s + 1 : s])
    return out
