def receptive_field(layers):
    # Bug: ignores the dilation.
    size, jump, start = 1, 1, 0.0
    result = []
    for k, s, p, d in layers:
        size = size + (k - 1) * jump
        start = start + ((k - 1) / 2 - p) * jump
        jump = jump * s
        result.append((int(size), int(jump), float(start)))
    return result
