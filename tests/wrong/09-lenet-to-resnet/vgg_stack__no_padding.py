def vgg_stack(channels, receptive_field):
    # Bug: no padding: every convolution shrinks the image by 2 pixels.
    if receptive_field < 3 or receptive_field % 2 == 0:
        raise ValueError(f"receptive_field must be an odd int >= 3, got {receptive_field}")
    layers = []
    for _ in range((receptive_field - 1) // 2):
        layers += [nn.Conv2d(channels, channels, 3), nn.ReLU()]
    return nn.Sequential(*layers)
