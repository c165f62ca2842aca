def receptive_field(layers):
    # Bug (as in seed 003): multiplies the kernel's reach by the previous layer's stride only,
    # not by the product of all earlier strides.
    size, jump, start, prev_stride = 1, 1, 0.0, 1
    result = []
    for k, s, p, d in layers:
        size = size + (k - 1) * d * prev_stride
        start = start + ((k - 1) / 2 * d - p) * jump
        jump = jump * s
        prev_stride = s
        result.append((int(size), int(jump), float(start)))
    return result
