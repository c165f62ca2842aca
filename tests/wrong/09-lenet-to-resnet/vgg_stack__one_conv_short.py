def vgg_stack(channels, receptive_field):
    # Bug: one 3x3 convolution too few: the receptive field is 2 pixels short.
    if receptive_field < 3 or receptive_field % 2 == 0:
        raise ValueError(f"receptive_field must be an odd int >= 3, got {receptive_field}")
    layers = []
    for _ in range((receptive_field - 1) // 2 - 1):
        layers += [nn.Conv2d(channels, channels, 3, padding=1), nn.ReLU()]
    return nn.Sequential(*layers)
