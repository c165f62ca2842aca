def conv_transpose_output_size(input_size, kernel_size, stride=1, padding=0, output_padding=0, dilation=1):
    # Bug: never checks output_padding against stride and dilation.
    return (input_size - 1) * stride - 2 * padding + dilation * (kernel_size - 1) + output_padding + 1
