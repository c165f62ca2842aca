def vgg_stack(channels, receptive_field):
    # Bug: one dilated 3x3 convolution spans the field with fewer weights, but sees only 9 of
    # its pixels.
    if receptive_field < 3 or receptive_field % 2 == 0:
        raise ValueError(f"receptive_field must be an odd int >= 3, got {receptive_field}")
    d = (receptive_field - 1) // 2
    return nn.Sequential(nn.Conv2d(channels, channels, 3, padding=d, dilation=d), nn.ReLU())
