def avg_pool2d_backward(grad_output, x, kernel_size, stride=None, padding=0, count_include_pad=True):
    # Bug: divides by kernel_size ** 2 even when count_include_pad=False.
    x = np.asarray(x, dtype=float)
    g = np.asarray(grad_output, dtype=float)
    k = kernel_size
    s = k if stride is None else stride
    p = padding
    H, W = x.shape[-2:]
    oh, ow = pool_output_size(H, k, s, p), pool_output_size(W, k, s, p)
    grad = np.zeros(x.shape[:2] + (H + 2 * p, W + 2 * p))
    for a in range(k):
        for b in range(k):
            grad[:, :, a:a + (oh - 1) * s + 1:s, b:b + (ow - 1) * s + 1:s] += g / (k * k)
    return grad[:, :, p:p + H, p:p + W]
