def conv_transpose_output_size(input_size, kernel_size, stride=1, padding=0, output_padding=0, dilation=1):
    # Bug: uses i * s instead of (i - 1) * s.
    if output_padding >= max(stride, dilation):
        raise ValueError(
            f"output_padding ({output_padding}) must be smaller than either stride ({stride}) or dilation ({dilation})"
        )
    return input_size * stride - 2 * padding + dilation * (kernel_size - 1) + output_padding + 1
