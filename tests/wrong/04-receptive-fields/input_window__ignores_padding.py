def input_window(layers, index):
    # Bug: assumes the field of unit 0 always starts at pixel 0, so padding is ignored.
    size, jump, start = receptive_field(layers)[-1]
    first = index * jump
    return int(first), int(first + size - 1)
