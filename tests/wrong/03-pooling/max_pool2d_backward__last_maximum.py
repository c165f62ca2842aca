def max_pool2d_backward(grad_output, x, kernel_size, stride=None, padding=0):
    # Bug: >= keeps the last maximum of a tie instead of the first.
    x = np.asarray(x, dtype=float)
    g = np.asarray(grad_output, dtype=float)
    k = kernel_size
    s = k if stride is None else stride
    p = padding
    H, W = x.shape[-2:]
    oh, ow = pool_output_size(H, k, s, p), pool_output_size(W, k, s, p)
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)), constant_values=-np.inf)
    best = np.full(g.shape, -np.inf)
    where = np.zeros(g.shape, dtype=int)
    for a in range(k):
        for b in range(k):
            patch = xp[:, :, a:a + (oh - 1) * s + 1:s, b:b + (ow - 1) * s + 1:s]
            better = patch >= best
            best = np.where(better, patch, best)
            where = np.where(better, a * k + b, where)
    grad = np.zeros(xp.shape)
    for a in range(k):
        for b in range(k):
            grad[:, :, a:a + (oh - 1) * s + 1:s, b:b + (ow - 1) * s + 1:s] += np.where(where == a * k + b, g, 0.0)
    return grad[:, :, p:p + H, p:p + W]
