def conv_params(in_channels, out_channels, kernel_size, bias=True):
    # Bug: ignores bias=False.
    if isinstance(kernel_size, (tuple, list)):
        kh, kw = kernel_size
    else:
        kh = kw = kernel_size
    return int(out_channels * in_channels * kh * kw + out_channels)
