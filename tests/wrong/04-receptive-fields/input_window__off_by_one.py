def input_window(layers, index):
    # Bug: last = first + size, one pixel too many.
    size, jump, start = receptive_field(layers)[-1]
    first = int(round(start + index * jump - (size - 1) / 2))
    return first, first + int(size)
