def conv_transpose_output_size(input_size, kernel_size, stride=1, padding=0, output_padding=0, dilation=1):
    # Bug: the kernel extent is k - 1 even when the taps are dilated.
    if output_padding >= max(stride, dilation):
        raise ValueError(
            f"output_padding ({output_padding}) must be smaller than either stride ({stride}) or dilation ({dilation})"
        )
    return (input_size - 1) * stride - 2 * padding + (kernel_size - 1) + output_padding + 1
