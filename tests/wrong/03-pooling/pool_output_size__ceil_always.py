def pool_output_size(n, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
    # Bug: always rounds up, as if ceil_mode were always on.
    s = kernel_size if stride is None else stride
    num = n + 2 * padding - dilation * (kernel_size - 1) - 1
    out = -(-num // s) + 1
    if (out - 1) * s >= n + padding:
        out -= 1
    return int(out)
