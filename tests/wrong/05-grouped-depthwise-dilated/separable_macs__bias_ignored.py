def separable_macs(in_channels, out_channels, kernel_size, output_size, bias=True):
    # Bug: never counts the bias additions.
    pixels = output_size * output_size
    return in_channels * pixels * kernel_size * kernel_size + out_channels * pixels * in_channels
