def conv_output_size(size, kernel_size, stride=1, padding=0, dilation=1):
    # Bug: rounds up instead of down.
    import math
    return int(math.ceil((size + 2 * padding - dilation * (kernel_size - 1) - 1) / stride)) + 1
