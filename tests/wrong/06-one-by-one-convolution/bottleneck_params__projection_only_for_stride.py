def bottleneck_params(in_channels, mid_channels, stride=1, expansion=4):
    # Bug: adds the projection only when the stride changes, not when the channel count changes.
    out_channels = mid_channels * expansion
    total = in_channels * mid_channels + 9 * mid_channels * mid_channels + mid_channels * out_channels
    if stride != 1:
        total += in_channels * out_channels
    return total
