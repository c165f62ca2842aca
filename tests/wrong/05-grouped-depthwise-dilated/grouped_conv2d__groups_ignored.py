def grouped_conv2d(x, weight, bias=None, groups=1):
    # Bug: ignores the groups and makes the kernels see every input channel by repeating them.
    x = np.asarray(x, dtype=float)
    weight = np.asarray(weight, dtype=float)
    if x.shape[1] != groups * weight.shape[1]:
        raise ValueError("channel mismatch")
    if weight.shape[0] % groups:
        raise ValueError("groups must divide C_out")
    out = conv2d_dense(x, np.tile(weight, (1, groups, 1, 1)))
    if bias is not None:
        out = out + np.asarray(bias, dtype=float)[None, :, None, None]
    return out
