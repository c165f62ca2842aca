def conv_output_size(size, kernel_size, stride=1, padding=0, dilation=1):
    # Bug: '/' instead of '//': returns a float, and a fraction when the stride does not divide.
    return (size + 2 * padding - dilation * (kernel_size - 1) - 1) / stride + 1
