def separable_macs(in_channels, out_channels, kernel_size, output_size, bias=True):
    # Bug: each depthwise output is counted as a dot product over all input channels.
    pixels = output_size * output_size
    depthwise = in_channels * pixels * in_channels * kernel_size * kernel_size
    pointwise = out_channels * pixels * in_channels
    if bias:
        depthwise += in_channels * pixels
        pointwise += out_channels * pixels
    return depthwise + pointwise
