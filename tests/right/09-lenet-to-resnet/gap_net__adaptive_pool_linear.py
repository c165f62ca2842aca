def gap_net(num_classes=10):
    # Right: global average pooling of 32 feature maps, then a small linear layer (its input
    # size does not depend on the image size), built in a loop.
    layers, cin = [], 1
    for cout in (8, 16, 32):
        layers += [nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(), nn.MaxPool2d(2)]
        cin = cout
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(), nn.Linear(cin, num_classes))
