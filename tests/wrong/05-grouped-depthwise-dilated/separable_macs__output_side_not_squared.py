def separable_macs(in_channels, out_channels, kernel_size, output_size, bias=True):
    # Bug: uses the side of the output instead of its number of pixels.
    pixels = output_size
    depthwise = in_channels * pixels * kernel_size * kernel_size
    pointwise = out_channels * pixels * in_channels
    if bias:
        depthwise += in_channels * pixels
        pointwise += out_channels * pixels
    return depthwise + pointwise
