def inception_shape(input_shape, c1, c2, c3, c4):
    # Bug: adds the reduction widths c2[0], c3[0] instead of the branch outputs c2[1], c3[1].
    n, _, h, w = input_shape
    return (n, c1 + c2[0] + c3[0] + c4, h, w)
