def build_motion_model(num_directions):
    # Bug: ten outputs, one per digit class, whatever the number of directions.
    return nn.Sequential(
        nn.Conv3d(1, 8, kernel_size=3, padding=1),
        nn.ReLU(),
        nn.MaxPool3d((1, 2, 2)),
        nn.Conv3d(8, 16, kernel_size=3, padding=1),
        nn.ReLU(),
        nn.AdaptiveMaxPool3d(1),
        nn.Flatten(),
        nn.Linear(16, 10),
    )
