def build_motion_model(num_directions):
    # Bug: far too big for the budget: 64 channels at full resolution in both 3D convolutions
    # (no pooling), so one training step costs over a hundred times the reference's arithmetic.
    return nn.Sequential(
        nn.Conv3d(1, 64, kernel_size=3, padding=1),
        nn.ReLU(),
        nn.Conv3d(64, 64, kernel_size=3, padding=1),
        nn.ReLU(),
        nn.AdaptiveMaxPool3d(1),
        nn.Flatten(),
        nn.Linear(64, num_directions),
    )
