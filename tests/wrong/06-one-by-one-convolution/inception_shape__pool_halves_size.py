def inception_shape(input_shape, c1, c2, c3, c4):
    # Bug: assumes the 3x3 max-pool has stride 2 and halves the size (the branches could not be concatenated).
    n, _, h, w = input_shape
    return (n, c1 + c2[1] + c3[1] + c4, (h - 1) // 2 + 1, (w - 1) // 2 + 1)
