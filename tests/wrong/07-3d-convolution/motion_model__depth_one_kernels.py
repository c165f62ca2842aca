def build_motion_model(num_directions):
    # Bug: Conv3d layers whose kernels span a single frame: a 2D network in disguise.
    return nn.Sequential(
        nn.Conv3d(1, 8, kernel_size=(1, 3, 3), padding=(0, 1, 1)),
        nn.ReLU(),
        nn.MaxPool3d((1, 2, 2)),
        nn.Conv3d(8, 16, kernel_size=(1, 3, 3), padding=(0, 1, 1)),
        nn.ReLU(),
        nn.AdaptiveMaxPool3d(1),
        nn.Flatten(),
        nn.Linear(16, num_directions),
    )
