def bottleneck_params(in_channels, mid_channels, stride=1, expansion=4):
    # Bug: the last 1x1 convolution maps mid -> mid, forgetting the expansion (and the projection it implies).
    total = in_channels * mid_channels + 9 * mid_channels * mid_channels + mid_channels * mid_channels
    if stride != 1 or in_channels != mid_channels:
        total += in_channels * mid_channels
    return total
