class PerFrame(nn.Module):
    # Bug: an image network reused on video: every frame on its own, features averaged over time.
    def __init__(self, num_directions):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.AdaptiveMaxPool2d(1), nn.Flatten(),
        )
        self.head = nn.Linear(16, num_directions)

    def forward(self, x):
        n, c, t, h, w = x.shape
        f = self.features(x.transpose(1, 2).reshape(n * t, c, h, w)).reshape(n, t, -1)
        return self.head(f.mean(dim=1))


def build_motion_model(num_directions):
    return PerFrame(num_directions)
