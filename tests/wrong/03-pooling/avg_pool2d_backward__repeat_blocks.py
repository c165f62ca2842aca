def avg_pool2d_backward(grad_output, x, kernel_size, stride=None, padding=0, count_include_pad=True):
    # Bug: upsamples the gradient by repeating each entry over a stride x stride block (np.repeat),
    # which is right only when the windows tile the input exactly (stride == kernel_size, no padding).
    x = np.asarray(x, dtype=float)
    g = np.asarray(grad_output, dtype=float)
    k = kernel_size
    s = k if stride is None else stride
    H, W = x.shape[-2:]
    up = np.repeat(np.repeat(g / (k * k), s, axis=-2), s, axis=-1)
    grad = np.zeros(x.shape)
    h, w = min(H, up.shape[-2]), min(W, up.shape[-1])
    grad[:, :, :h, :w] = up[:, :, :h, :w]
    return grad
