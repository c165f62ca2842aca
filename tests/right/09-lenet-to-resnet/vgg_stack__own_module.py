class _Stack(nn.Module):
    """n 3x3 convolutions, each followed by F.relu in forward."""

    def __init__(self, channels, n):
        super().__init__()
        self.convs = nn.ModuleList(nn.Conv2d(channels, channels, 3, 1, 1) for _ in range(n))

    def forward(self, x):
        for conv in self.convs:
            x = F.relu(conv(x))
        return x


def vgg_stack(channels, receptive_field):
    # Right: a module class of one's own (it stays in the student's kernel under the class
    # grader), ReLU applied in forward.
    n, odd = divmod(receptive_field - 1, 2)
    if odd or n < 1:
        raise ValueError(f"receptive_field must be odd and >= 3, not {receptive_field}")
    return _Stack(channels, n)
