def conv_relu(cin, cout, k):
    return nn.Sequential(nn.Conv2d(cin, cout, k, padding=(k - 1) // 2), nn.ReLU())


class Inception(nn.Module):
    # Right: a helper, the layers created from the last branch to the first, functional max
    # pooling in forward, reductions chosen as 30% and a sixth of the input channels.
    def __init__(self, in_channels, c1, c3, c5, c_pool):
        super().__init__()
        r3, r5 = max(1, round(0.3 * in_channels)), max(1, in_channels // 6)
        self.pool_proj = conv_relu(in_channels, c_pool, 1)
        self.five = nn.Sequential(conv_relu(in_channels, r5, 1), conv_relu(r5, c5, 5))
        self.three = nn.Sequential(conv_relu(in_channels, r3, 1), conv_relu(r3, c3, 3))
        self.one = conv_relu(in_channels, c1, 1)

    def forward(self, x):
        pooled = F.max_pool2d(x, kernel_size=3, stride=1, padding=1)
        parts = (self.one(x), self.three(x), self.five(x), self.pool_proj(pooled))
        return torch.cat(parts, dim=1)
