def separable_params(in_channels, out_channels, kernel_size, bias=True):
    # Bug: a k x k kernel counted as k weights.
    depthwise = in_channels * kernel_size + (in_channels if bias else 0)
    pointwise = in_channels * out_channels + (out_channels if bias else 0)
    return depthwise + pointwise
