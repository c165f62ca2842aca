class Inception(nn.Module):
    # Right: the four branches as nn.Sequential in an nn.ModuleList, joined in a loop;
    # GoogLeNet-like reductions (half the input for the 3x3, a twelfth for the 5x5).
    def __init__(self, in_channels, c1, c3, c5, c_pool):
        super().__init__()
        r3, r5 = max(1, in_channels // 2), max(1, in_channels // 12)
        self.branches = nn.ModuleList([
            nn.Sequential(nn.Conv2d(in_channels, c1, 1), nn.ReLU()),
            nn.Sequential(nn.Conv2d(in_channels, r3, 1), nn.ReLU(), nn.Conv2d(r3, c3, 3, padding=1), nn.ReLU()),
            nn.Sequential(nn.Conv2d(in_channels, r5, 1), nn.ReLU(), nn.Conv2d(r5, c5, 5, padding=2), nn.ReLU()),
            nn.Sequential(nn.MaxPool2d(3, 1, 1), nn.Conv2d(in_channels, c_pool, 1), nn.ReLU()),
        ])

    def forward(self, x):
        return torch.cat([branch(x) for branch in self.branches], 1)
