def inception_shape(input_shape, c1, c2, c3, c4):
    # Bug: only three branches are concatenated.
    n, _, h, w = input_shape
    return (n, c1 + c2[1] + c3[1], h, w)
