def avg_pool2d(x, kernel_size, stride=None, padding=0, count_include_pad=True):
    # Bug: divides the window sum by k instead of k * k.
    x = np.asarray(x, dtype=float)
    k = kernel_size
    s = k if stride is None else stride
    H, W = x.shape[-2:]
    oh = pool_output_size(H, k, s, padding)
    ow = pool_output_size(W, k, s, padding)
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    total = np.zeros(x.shape[:2] + (oh, ow))
    for a in range(k):
        for b in range(k):
            total += xp[:, :, a : a + (oh - 1) * s + 1 : s, b : b + (ow - 1) * s + 1 : s]
    return total / k
