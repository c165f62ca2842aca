def conv_transpose_output_size(input_size, kernel_size, stride=1, padding=0, output_padding=0, dilation=1):
    # Bug: adds 2p instead of cropping it (the convolution's sign, not the transpose's).
    if output_padding >= max(stride, dilation):
        raise ValueError(
            f"output_padding ({output_padding}) must be smaller than either stride ({stride}) or dilation ({dilation})"
        )
    return (input_size - 1) * stride + 2 * padding + dilation * (kernel_size - 1) + output_padding + 1
