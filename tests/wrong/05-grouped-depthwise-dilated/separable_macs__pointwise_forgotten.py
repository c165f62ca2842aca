def separable_macs(in_channels, out_channels, kernel_size, output_size, bias=True):
    # Bug: only the depthwise stage is counted.
    pixels = output_size * output_size
    return in_channels * pixels * kernel_size * kernel_size + (in_channels * pixels if bias else 0)
