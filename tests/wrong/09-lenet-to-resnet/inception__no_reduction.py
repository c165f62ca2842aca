class Inception(nn.Module):
    # Bug: no 1x1 reduction worth the name: the 3x3 and 5x5 convolutions read as many
    # channels as the input has, far over the MAC budget.
    def __init__(self, in_channels, c1, c3, c5, c_pool):
        super().__init__()
        r3, r5 = in_channels, in_channels
        self.b1 = nn.Conv2d(in_channels, c1, 1)
        self.b2_reduce = nn.Conv2d(in_channels, r3, 1)
        self.b2 = nn.Conv2d(r3, c3, 3, padding=1)
        self.b3_reduce = nn.Conv2d(in_channels, r5, 1)
        self.b3 = nn.Conv2d(r5, c5, 5, padding=2)
        self.b4_pool = nn.MaxPool2d(3, stride=1, padding=1)
        self.b4 = nn.Conv2d(in_channels, c_pool, 1)

    def forward(self, x):
        p1 = F.relu(self.b1(x))
        p2 = F.relu(self.b2(F.relu(self.b2_reduce(x))))
        p3 = F.relu(self.b3(F.relu(self.b3_reduce(x))))
        p4 = F.relu(self.b4(self.b4_pool(x)))
        return torch.cat([p1, p2, p3, p4], dim=1)
