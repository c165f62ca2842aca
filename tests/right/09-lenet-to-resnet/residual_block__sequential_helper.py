def _conv_bn(cin, cout, kernel, stride):
    """A bias-free convolution and its BatchNorm, as one nn.Sequential."""
    return nn.Sequential(
        nn.Conv2d(cin, cout, kernel, stride=stride, padding=kernel // 2, bias=False),
        nn.BatchNorm2d(cout),
    )


class Residual(nn.Module):
    # Right: the branch is one nn.Sequential built by a helper, the shortcut is created first,
    # the attributes have other names, and the identity shortcut is a ReLU-free nn.Sequential().
    def __init__(self, in_channels, out_channels, stride=1, zero_init_residual=False):
        super().__init__()
        needs_projection = (in_channels, stride) != (out_channels, 1)
        self.skip = _conv_bn(in_channels, out_channels, 1, stride) if needs_projection else nn.Sequential()
        self.body = nn.Sequential(
            _conv_bn(in_channels, out_channels, 3, stride),
            nn.ReLU(inplace=True),
            _conv_bn(out_channels, out_channels, 3, 1),
        )
        if zero_init_residual:
            with torch.no_grad():
                self.body[-1][-1].weight.fill_(0.0)

    def forward(self, x):
        return torch.relu(self.skip(x) + self.body(x))
