def same_padding(kernel_size, dilation=1):
    # Bug: puts the whole span d * (k - 1) on each side instead of half of it.
    if dilation * (kernel_size - 1) % 2:
        raise ValueError("odd span")
    return dilation * (kernel_size - 1)
