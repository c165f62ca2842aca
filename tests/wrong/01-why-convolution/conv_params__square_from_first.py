def conv_params(in_channels, out_channels, kernel_size, bias=True):
    # Bug: treats every kernel as square, using its first size.
    k = kernel_size[0] if isinstance(kernel_size, (tuple, list)) else kernel_size
    return int(out_channels * in_channels * k * k + (out_channels if bias else 0))
