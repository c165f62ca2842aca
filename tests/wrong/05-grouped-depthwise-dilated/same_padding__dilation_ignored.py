def same_padding(kernel_size, dilation=1):
    # Bug: the undilated rule (k - 1) / 2.
    if (kernel_size - 1) % 2:
        raise ValueError("even kernel")
    return (kernel_size - 1) // 2
