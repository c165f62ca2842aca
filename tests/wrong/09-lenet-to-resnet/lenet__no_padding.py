def lenet(variant="modern"):
    # Bug: no padding on the first convolution, so the features are 16 x 4 x 4 (and the first linear layer shrinks).
    act, pool = (nn.Sigmoid, nn.AvgPool2d) if variant == "original" else (nn.ReLU, nn.MaxPool2d)
    return nn.Sequential(
        nn.Conv2d(1, 6, 5), act(), pool(2, 2),
        nn.Conv2d(6, 16, 5), act(), pool(2, 2),
        nn.Flatten(),
        nn.Linear(256, 120), act(),
        nn.Linear(120, 84), act(),
        nn.Linear(84, 10),
    )
