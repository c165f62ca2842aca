def separable_params(in_channels, out_channels, kernel_size, bias=True):
    # Bug: the depthwise stage is counted as Conv2d(C_in, C_in, k) without groups.
    depthwise = in_channels * in_channels * kernel_size * kernel_size + (in_channels if bias else 0)
    pointwise = in_channels * out_channels + (out_channels if bias else 0)
    return depthwise + pointwise
