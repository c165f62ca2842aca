def lenet(variant="modern"):
    # Bug: the activations are ReLU in both variants (only the pooling follows the variant).
    pool = nn.AvgPool2d if variant == "original" else nn.MaxPool2d
    act = nn.ReLU
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), act(), pool(2, 2),
        nn.Conv2d(6, 16, 5), act(), pool(2, 2),
        nn.Flatten(),
        nn.Linear(400, 120), act(),
        nn.Linear(120, 84), act(),
        nn.Linear(84, 10),
    )
