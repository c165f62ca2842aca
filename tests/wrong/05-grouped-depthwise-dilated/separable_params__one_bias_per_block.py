def separable_params(in_channels, out_channels, kernel_size, bias=True):
    # Bug: counts a single bias vector (the pointwise one) for the whole block.
    return in_channels * kernel_size * kernel_size + in_channels * out_channels + (out_channels if bias else 0)
