def conv3d(x, weight, bias=None, stride=1, padding=0):
    # Bug: never adds the bias.
    x = np.asarray(x, dtype=float)
    weight = np.asarray(weight, dtype=float)
    sd, sh, sw = (stride,) * 3 if np.ndim(stride) == 0 else tuple(stride)
    pd, ph, pw = (padding,) * 3 if np.ndim(padding) == 0 else tuple(padding)
    kd, kh, kw = weight.shape[2:]
    xp = np.pad(x, ((0, 0), (0, 0), (pd, pd), (ph, ph), (pw, pw)))
    windows = np.lib.stride_tricks.sliding_window_view(xp, (kd, kh, kw), axis=(2, 3, 4))[:, :, ::sd, ::sh, ::sw]
    return np.moveaxis(np.tensordot(windows, weight, axes=([1, 5, 6, 7], [1, 2, 3, 4])), -1, 1)
