def grouped_conv2d(x, weight, bias=None, groups=1):
    # Bug: group g takes every groups-th input channel (g, g + G, ...) instead of a consecutive block.
    x = np.asarray(x, dtype=float)
    weight = np.asarray(weight, dtype=float)
    if x.shape[1] != groups * weight.shape[1]:
        raise ValueError("channel mismatch")
    if weight.shape[0] % groups:
        raise ValueError("groups must divide C_out")
    o_group = weight.shape[0] // groups
    out = np.concatenate(
        [conv2d_dense(x[:, g::groups], weight[g * o_group:(g + 1) * o_group]) for g in range(groups)], axis=1
    )
    if bias is not None:
        out = out + np.asarray(bias, dtype=float)[None, :, None, None]
    return out
