def grouped_conv2d(x, weight, bias=None, groups=1):
    # Bug: treats the bias as one value per group and adds bias[g] to all outputs of group g.
    x = np.asarray(x, dtype=float)
    weight = np.asarray(weight, dtype=float)
    c_group = weight.shape[1]
    if x.shape[1] != groups * c_group:
        raise ValueError("channel mismatch")
    if weight.shape[0] % groups:
        raise ValueError("groups must divide C_out")
    o_group = weight.shape[0] // groups
    blocks = []
    for g in range(groups):
        y = conv2d_dense(x[:, g * c_group:(g + 1) * c_group], weight[g * o_group:(g + 1) * o_group])
        if bias is not None:
            y = y + np.asarray(bias, dtype=float)[g]
        blocks.append(y)
    return np.concatenate(blocks, axis=1)
