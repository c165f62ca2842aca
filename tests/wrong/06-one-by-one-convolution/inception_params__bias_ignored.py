def inception_params(in_channels, c1, c2, c3, c4, bias=True):
    # Bug: never counts the biases.
    return (in_channels * c1 + in_channels * c2[0] + 9 * c2[0] * c2[1]
            + in_channels * c3[0] + 25 * c3[0] * c3[1] + in_channels * c4)
