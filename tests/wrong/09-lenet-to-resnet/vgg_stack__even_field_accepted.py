def vgg_stack(channels, receptive_field):
    # Bug: no check of receptive_field: an even field gives a stack anyway.
    layers = []
    for _ in range((receptive_field - 1) // 2):
        layers += [nn.Conv2d(channels, channels, 3, padding=1), nn.ReLU()]
    return nn.Sequential(*layers)
