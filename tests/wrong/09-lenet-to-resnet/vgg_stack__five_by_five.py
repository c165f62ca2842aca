def vgg_stack(channels, receptive_field):
    # Bug: 5x5 convolutions where they fit (the field is right, but 25 C^2 weights where two
    # 3x3 convolutions need 18 C^2).
    if receptive_field < 3 or receptive_field % 2 == 0:
        raise ValueError(f"receptive_field must be an odd int >= 3, got {receptive_field}")
    layers = []
    for _ in range((receptive_field - 1) // 4):
        layers += [nn.Conv2d(channels, channels, 5, padding=2), nn.ReLU()]
    if (receptive_field - 1) % 4:
        layers += [nn.Conv2d(channels, channels, 3, padding=1), nn.ReLU()]
    return nn.Sequential(*layers)
