def unfold(x, kernel_size, dilation=1, padding=0, stride=1):
    # Right, written differently: a loop over the windows, each flattened into a column; float32.
    x = np.asarray(x, dtype=np.float32)
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else tuple(kernel_size)
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    oh = (xp.shape[2] - dilation * (kh - 1) - 1) // stride + 1
    ow = (xp.shape[3] - dilation * (kw - 1) - 1) // stride + 1
    columns = []
    for i in range(oh):
        for j in range(ow):
            r, q = i * stride, j * stride
            window = xp[:, :, r:r + dilation * (kh - 1) + 1:dilation, q:q + dilation * (kw - 1) + 1:dilation]
            columns.append(window.reshape(x.shape[0], -1))
    return np.stack(columns, axis=-1)
