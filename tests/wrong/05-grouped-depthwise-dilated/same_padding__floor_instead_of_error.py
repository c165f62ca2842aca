def same_padding(kernel_size, dilation=1):
    # Bug: rounds down silently when d * (k - 1) is odd, so the output shrinks by one pixel.
    return dilation * (kernel_size - 1) // 2
