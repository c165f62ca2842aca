def max_pool2d_backward(grad_output, x, kernel_size, stride=None, padding=0):
    # Bug: fancy-index assignment (grad[idx] = g) keeps one window's gradient where windows share a
    # maximum, instead of adding them up.
    x = np.asarray(x, dtype=float)
    g = np.asarray(grad_output, dtype=float)
    k = kernel_size
    s = k if stride is None else stride
    p = padding
    N, C, H, W = x.shape
    oh, ow = pool_output_size(H, k, s, p), pool_output_size(W, k, s, p)
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)), constant_values=-np.inf)
    best = np.full(g.shape, -np.inf)
    rows = np.zeros(g.shape, dtype=int)
    cols = np.zeros(g.shape, dtype=int)
    for a in range(k):
        for b in range(k):
            patch = xp[:, :, a:a + (oh - 1) * s + 1:s, b:b + (ow - 1) * s + 1:s]
            better = patch > best
            best = np.where(better, patch, best)
            rows = np.where(better, np.arange(oh)[:, None] * s + a, rows)
            cols = np.where(better, np.arange(ow)[None, :] * s + b, cols)
    grad = np.zeros(xp.shape)
    n_idx = np.arange(N)[:, None, None, None]
    c_idx = np.arange(C)[None, :, None, None]
    grad[n_idx, c_idx, rows, cols] = g
    return grad[:, :, p:p + H, p:p + W]
