class AverageFramesFirst(nn.Module):
    # Bug: averages the frames into one blurred image before the 3D layers, throwing away their order.
    def __init__(self, num_directions):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv3d(1, 8, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool3d((1, 2, 2)),
            nn.Conv3d(8, 16, kernel_size=3, padding=1), nn.ReLU(), nn.AdaptiveMaxPool3d(1), nn.Flatten(),
            nn.Linear(16, num_directions),
        )

    def forward(self, x):
        return self.net(x.mean(dim=2, keepdim=True))


def build_motion_model(num_directions):
    return AverageFramesFirst(num_directions)
