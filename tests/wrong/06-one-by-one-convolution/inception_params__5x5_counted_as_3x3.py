def inception_params(in_channels, c1, c2, c3, c4, bias=True):
    # Bug: the 5x5 convolution counted with 9 weights per channel pair.
    weights = (in_channels * c1 + in_channels * c2[0] + 9 * c2[0] * c2[1]
               + in_channels * c3[0] + 9 * c3[0] * c3[1] + in_channels * c4)
    biases = c1 + c2[0] + c2[1] + c3[0] + c3[1] + c4
    return weights + (biases if bias else 0)
