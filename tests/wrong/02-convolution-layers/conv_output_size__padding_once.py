def conv_output_size(size, kernel_size, stride=1, padding=0, dilation=1):
    # Bug: counts the padding on one side only.
    return (size + padding - dilation * (kernel_size - 1) - 1) // stride + 1
