def inception_params(in_channels, c1, c2, c3, c4, bias=True):
    # Bug: counts the 3x3 and 5x5 convolutions as if they ran on the input (the naive block), no reductions.
    weights = in_channels * c1 + 9 * in_channels * c2[1] + 25 * in_channels * c3[1] + in_channels * c4
    biases = c1 + c2[1] + c3[1] + c4
    return weights + (biases if bias else 0)
