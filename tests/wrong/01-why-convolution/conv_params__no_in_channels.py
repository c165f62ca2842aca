def conv_params(in_channels, out_channels, kernel_size, bias=True):
    # Bug: a filter spans one input channel only.
    if isinstance(kernel_size, (tuple, list)):
        kh, kw = kernel_size
    else:
        kh = kw = kernel_size
    return int(out_channels * kh * kw + (out_channels if bias else 0))
