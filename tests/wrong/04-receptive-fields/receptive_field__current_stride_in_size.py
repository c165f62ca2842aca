def receptive_field(layers):
    # Bug: updates the jump first, so the layer's own stride enlarges its receptive field.
    size, jump, start = 1, 1, 0.0
    result = []
    for k, s, p, d in layers:
        jump = jump * s
        size = size + (k - 1) * d * jump
        start = start + ((k - 1) / 2 * d - p) * jump
        result.append((int(size), int(jump), float(start)))
    return result
