def lenet(variant="modern"):
    # Bug: the two variants are mixed up (sigmoid/average pooling for "modern" and vice versa).
    act, pool = (nn.Sigmoid, nn.AvgPool2d) if variant == "modern" else (nn.ReLU, nn.MaxPool2d)
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), act(), pool(2, 2),
        nn.Conv2d(6, 16, 5), act(), pool(2, 2),
        nn.Flatten(),
        nn.Linear(400, 120), act(),
        nn.Linear(120, 84), act(),
        nn.Linear(84, 10),
    )
