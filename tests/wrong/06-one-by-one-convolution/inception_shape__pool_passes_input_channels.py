def inception_shape(input_shape, c1, c2, c3, c4):
    # Bug: treats the pool branch as the naive one, passing all C_in channels through.
    n, c_in, h, w = input_shape
    return (n, c1 + c2[1] + c3[1] + c_in, h, w)
