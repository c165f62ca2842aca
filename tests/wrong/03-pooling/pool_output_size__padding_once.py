def pool_output_size(n, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
    # Bug: adds the padding on one side only.
    s = kernel_size if stride is None else stride
    num = n + padding - dilation * (kernel_size - 1) - 1
    if ceil_mode:
        out = -(-num // s) + 1
        if (out - 1) * s >= n + padding:
            out -= 1
        return int(out)
    return int(num // s + 1)
