def max_pool2d(x, kernel_size, stride=None, padding=0):
    # Bug: the maximum is also taken over the channel axis, so every channel gets the same map.
    x = np.asarray(x, dtype=float)
    k = kernel_size
    s = k if stride is None else stride
    H, W = x.shape[-2:]
    oh = pool_output_size(H, k, s, padding)
    ow = pool_output_size(W, k, s, padding)
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)), constant_values=-np.inf)
    out = np.full(x.shape[:2] + (oh, ow), -np.inf)
    for a in range(k):
        for b in range(k):
            out = np.maximum(out, xp[:, :, a : a + (oh - 1) * s + 1 : s, b : b + (ow - 1) * s + 1 : s])
    return np.broadcast_to(out.max(axis=1, keepdims=True), out.shape).copy()
