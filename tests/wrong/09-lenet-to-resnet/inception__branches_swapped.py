class Inception(nn.Module):
    # Bug: the channel pairs of the 3x3 and 5x5 branches are swapped.
    def __init__(self, in_channels, c1, c2, c3, c4):
        super().__init__()
        self.b1 = nn.Conv2d(in_channels, c1, 1)
        self.b2_reduce = nn.Conv2d(in_channels, c3[0], 1)
        self.b2 = nn.Conv2d(c3[0], c3[1], 3, padding=1)
        self.b3_reduce = nn.Conv2d(in_channels, c2[0], 1)
        self.b3 = nn.Conv2d(c2[0], c2[1], 5, padding=2)
        self.b4_pool = nn.MaxPool2d(3, stride=1, padding=1)
        self.b4 = nn.Conv2d(in_channels, c4, 1)

    def forward(self, x):
        p1 = F.relu(self.b1(x))
        p2 = F.relu(self.b2(F.relu(self.b2_reduce(x))))
        p3 = F.relu(self.b3(F.relu(self.b3_reduce(x))))
        p4 = F.relu(self.b4(self.b4_pool(x)))
        return torch.cat([p1, p2, p3, p4], dim=1)
