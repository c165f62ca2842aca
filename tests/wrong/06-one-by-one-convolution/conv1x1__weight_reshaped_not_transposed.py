def conv1x1(x, weight, bias=None):
    # Bug: reshapes the (C_out, C_in) weight to (C_in, C_out) instead of transposing it.
    x = np.asarray(x, dtype=float)
    w = np.asarray(weight, dtype=float)
    c_out, c_in = w.shape[:2]
    pixels = x.transpose(0, 2, 3, 1)                      # (N, H, W, C_in)
    out = (pixels @ w.reshape(c_in, c_out)).transpose(0, 3, 1, 2)
    if bias is not None:
        out = out + np.asarray(bias, dtype=float)[None, :, None, None]
    return out
