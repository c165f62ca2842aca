def pool_output_size(n, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
    # Bug: ceil mode keeps a last window even when it would start past the input.
    s = kernel_size if stride is None else stride
    num = n + 2 * padding - dilation * (kernel_size - 1) - 1
    if ceil_mode:
        return int(-(-num // s) + 1)
    return int(num // s + 1)
