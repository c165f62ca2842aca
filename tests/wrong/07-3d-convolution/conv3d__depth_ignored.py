def conv3d(x, weight, bias=None, stride=1, padding=0):
    # Bug: a 2D convolution on each frame: the kernel's depth axis is summed away, so the output
    # frame z only looks at input frame s_D * z instead of kD consecutive frames.
    x = np.asarray(x, dtype=float)
    weight = np.asarray(weight, dtype=float)
    sd, sh, sw = (stride,) * 3 if np.ndim(stride) == 0 else tuple(stride)
    pd, ph, pw = (padding,) * 3 if np.ndim(padding) == 0 else tuple(padding)
    kd, kh, kw = weight.shape[2:]
    w2 = weight.sum(axis=2)                                   # (C_out, C_in, kH, kW)
    xp = np.pad(x, ((0, 0), (0, 0), (pd, pd), (ph, ph), (pw, pw)))
    d_out = (xp.shape[2] - kd) // sd + 1
    frames = xp[:, :, : (d_out - 1) * sd + 1 : sd]            # one input frame per output frame
    windows = np.lib.stride_tricks.sliding_window_view(frames, (kh, kw), axis=(3, 4))[:, :, :, ::sh, ::sw]
    out = np.moveaxis(np.tensordot(windows, w2, axes=([1, 5, 6], [1, 2, 3])), -1, 1)
    if bias is not None:
        out = out + np.asarray(bias, dtype=float)[None, :, None, None, None]
    return out
