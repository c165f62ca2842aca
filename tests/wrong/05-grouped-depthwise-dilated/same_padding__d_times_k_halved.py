def same_padding(kernel_size, dilation=1):
    # Bug: d * k / 2 instead of d * (k - 1) / 2 (right only when d = 1 and k is odd).
    if dilation * (kernel_size - 1) % 2:
        raise ValueError("odd span")
    return dilation * kernel_size // 2
