def bottleneck_params(in_channels, mid_channels, stride=1, expansion=4):
    # Bug: the middle 3x3 convolution counted without its 9 kernel positions.
    out_channels = mid_channels * expansion
    total = in_channels * mid_channels + mid_channels * mid_channels + mid_channels * out_channels
    if stride != 1 or in_channels != out_channels:
        total += in_channels * out_channels
    return total
