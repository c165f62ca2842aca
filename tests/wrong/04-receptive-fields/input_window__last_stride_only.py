def input_window(layers, index):
    # Bug: neighbouring units are taken to be one last-layer stride apart, not one jump.
    size, jump, start = receptive_field(layers)[-1]
    centre = start + index * layers[-1][1]
    return int(round(centre - (size - 1) / 2)), int(round(centre + (size - 1) / 2))
