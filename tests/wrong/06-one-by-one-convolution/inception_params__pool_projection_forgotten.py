def inception_params(in_channels, c1, c2, c3, c4, bias=True):
    # Bug: the 1x1 convolution after the max-pool is left out.
    weights = (in_channels * c1 + in_channels * c2[0] + 9 * c2[0] * c2[1]
               + in_channels * c3[0] + 25 * c3[0] * c3[1])
    biases = c1 + c2[0] + c2[1] + c3[0] + c3[1]
    return weights + (biases if bias else 0)
