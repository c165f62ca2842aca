def conv2d_backward(grad_output, x, weight, stride=1, padding=0, dilation=1):
    # Bug: grad_weight comes out as (C_in, C_out, kH, kW): the channel axes are swapped.
    go = np.asarray(grad_output, dtype=float)
    x = np.asarray(x, dtype=float)
    w = np.asarray(weight, dtype=float)
    n, c_in, h, wd = x.shape
    c_out, _, kh, kw = w.shape
    ho, wo = go.shape[2:]
    s, p, d = stride, padding, dilation

    # grad_input = C^T grad_output: the transposed convolution onto the padded input, zero where
    # the strided convolution never looked, then the padding cropped away
    full = conv_transpose2d(go, w, stride=s, dilation=d)
    full = np.pad(full, ((0, 0), (0, 0), (0, h + 2 * p - full.shape[2]), (0, wd + 2 * p - full.shape[3])))
    grad_input = full[:, :, p:p + h, p:p + wd]

    # grad_weight: correlate the padded input with grad_output, one kernel tap at a time
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    grad_weight = np.zeros((c_in, c_out, kh, kw))
    for a in range(kh):
        for b in range(kw):
            patch = xp[:, :, a * d:a * d + (ho - 1) * s + 1:s, b * d:b * d + (wo - 1) * s + 1:s]
            grad_weight[:, :, a, b] = np.einsum("nohw,nihw->io", go, patch)

    grad_bias = go.sum(axis=(0, 2, 3))
    return grad_input, grad_weight, grad_bias
