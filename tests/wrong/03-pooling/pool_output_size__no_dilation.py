def pool_output_size(n, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
    # Bug: ignores the dilation, so a dilated window looks only kernel_size pixels wide.
    s = kernel_size if stride is None else stride
    num = n + 2 * padding - kernel_size
    if ceil_mode:
        out = -(-num // s) + 1
        if (out - 1) * s >= n + padding:
            out -= 1
        return int(out)
    return int(num // s + 1)
