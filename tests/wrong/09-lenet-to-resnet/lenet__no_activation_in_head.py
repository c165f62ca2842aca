def lenet(variant="modern"):
    # Bug: the fully connected layers have no activation between them (they collapse into one linear map).
    act, pool = (nn.Sigmoid, nn.AvgPool2d) if variant == "original" else (nn.ReLU, nn.MaxPool2d)
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), act(), pool(2, 2),
        nn.Conv2d(6, 16, 5), act(), pool(2, 2),
        nn.Flatten(),
        nn.Linear(400, 120), nn.Identity(),
        nn.Linear(120, 84), nn.Identity(),
        nn.Linear(84, 10),
    )
