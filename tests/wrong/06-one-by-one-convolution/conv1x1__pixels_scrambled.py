def conv1x1(x, weight, bias=None):
    # Bug: reshapes NCHW straight to (N*H*W, C) without moving the channels last, mixing pixels and channels.
    x = np.asarray(x, dtype=float)
    w = np.asarray(weight, dtype=float)[:, :, 0, 0]
    n, c, h, wd = x.shape
    out = (x.reshape(n * h * wd, c) @ w.T).reshape(n, w.shape[0], h, wd)
    if bias is not None:
        out = out + np.asarray(bias, dtype=float)[None, :, None, None]
    return out
