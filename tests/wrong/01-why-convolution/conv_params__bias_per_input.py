def conv_params(in_channels, out_channels, kernel_size, bias=True):
    # Bug: one bias per input channel instead of one per output channel.
    if isinstance(kernel_size, (tuple, list)):
        kh, kw = kernel_size
    else:
        kh = kw = kernel_size
    return int(out_channels * in_channels * kh * kw + (in_channels if bias else 0))
