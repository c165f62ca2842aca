def bottleneck_params(in_channels, mid_channels, stride=1, expansion=4):
    # Bug: forgets the 1x1 projection on the shortcut.
    return in_channels * mid_channels + 9 * mid_channels * mid_channels + mid_channels * mid_channels * expansion
