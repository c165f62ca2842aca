def grouped_conv2d(x, weight, bias=None, groups=1):
    # Bug: computes the right thing when the shapes fit, but never raises ValueError when they do not.
    x = np.asarray(x, dtype=float)
    weight = np.asarray(weight, dtype=float)
    c_group = weight.shape[1]
    o_group = max(weight.shape[0] // groups, 1)
    blocks = [
        conv2d_dense(x[:, g * c_group:(g + 1) * c_group], weight[g * o_group:(g + 1) * o_group])
        for g in range(groups)
        if x[:, g * c_group:(g + 1) * c_group].shape[1] == c_group
    ]
    out = np.concatenate(blocks, axis=1)
    if bias is not None:
        out = out + np.asarray(bias, dtype=float)[None, :, None, None]
    return out
