from collections import OrderedDict


def vgg_stack(channels, receptive_field):
    # Right: named layers in an OrderedDict, the count found by a loop, tuple kernel sizes.
    if not (receptive_field >= 3 and receptive_field % 2 == 1):
        raise ValueError("receptive_field: an odd number of at least 3 is needed")
    layers, field, i = OrderedDict(), 1, 0
    while field < receptive_field:
        layers[f"conv{i}"] = nn.Conv2d(channels, channels, kernel_size=(3, 3), padding=(1, 1))
        layers[f"relu{i}"] = nn.ReLU(inplace=True)
        field, i = field + 2, i + 1
    return nn.Sequential(layers)
