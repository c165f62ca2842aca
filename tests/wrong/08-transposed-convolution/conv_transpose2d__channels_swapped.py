def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    # Bug: the weight's channel axes are swapped as if it were a conv2d weight (C_out, C_in, kH, kW).
    x = np.asarray(input, dtype=float)
    w = np.asarray(weight, dtype=float)
    n, c_in, h, wd = x.shape
    _, c_out_g, kh, kw = w.shape
    s, p, op, d, g = stride, padding, output_padding, dilation, groups

    # 1. insert s - 1 zeros between neighbouring pixels
    z = np.zeros((n, c_in, (h - 1) * s + 1, (wd - 1) * s + 1))
    z[:, :, ::s, ::s] = x

    # 2. pad d(k-1) - p on each side and output_padding more at the bottom/right (negative = crop)
    def pad_or_crop(arr, axis, before, after):
        widths = [(0, 0)] * arr.ndim
        widths[axis] = (max(before, 0), max(after, 0))
        arr = np.pad(arr, widths)
        stop = arr.shape[axis] - max(-after, 0)
        return arr.take(np.arange(max(-before, 0), stop), axis=axis)

    z = pad_or_crop(z, 2, d * (kh - 1) - p, d * (kh - 1) - p + op)
    z = pad_or_crop(z, 3, d * (kw - 1) - p, d * (kw - 1) - p + op)

    # 3. flip the kernel; within each group, input and output channels swap roles
    wf = w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3).reshape(g, c_in // g, c_out_g, kh, kw)

    # 4. stride-1 cross-correlation with dilation d, one kernel tap at a time
    ho, wo = z.shape[2] - d * (kh - 1), z.shape[3] - d * (kw - 1)
    zg = z.reshape(n, g, c_in // g, z.shape[2], z.shape[3])
    out = np.zeros((n, g, c_out_g, ho, wo))
    for a in range(kh):
        for b in range(kw):
            patch = zg[:, :, :, a * d:a * d + ho, b * d:b * d + wo]
            out += np.einsum("ngihw,gio->ngohw", patch, wf[:, :, :, a, b])
    out = out.reshape(n, g * c_out_g, ho, wo)
    if bias is not None:
        out = out + np.asarray(bias, dtype=float)[None, :, None, None]
    return out
