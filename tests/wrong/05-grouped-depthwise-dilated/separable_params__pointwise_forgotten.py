def separable_params(in_channels, out_channels, kernel_size, bias=True):
    # Bug: counts the depthwise stage only.
    return in_channels * kernel_size * kernel_size + (in_channels if bias else 0)
