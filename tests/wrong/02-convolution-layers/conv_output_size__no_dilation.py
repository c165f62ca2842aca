def conv_output_size(size, kernel_size, stride=1, padding=0, dilation=1):
    # Bug: ignores dilation (the seed article's formula, with the floor).
    return (size + 2 * padding - kernel_size) // stride + 1
