def receptive_field(layers):
    # Bug: the padding does not move the first unit's field.
    size, jump, start = 1, 1, 0.0
    result = []
    for k, s, p, d in layers:
        size = size + (k - 1) * d * jump
        start = start + (k - 1) / 2 * d * jump
        jump = jump * s
        result.append((int(size), int(jump), float(start)))
    return result
