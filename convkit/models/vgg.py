"""VGG (Simonyan and Zisserman, 2014): repeated blocks of 3x3 convolutions and a 2x2 max pool."""

from __future__ import annotations

import torch
from torch import nn

from convkit._validation import check_probability, positive_int

__all__ = ["vgg_block", "VGG", "VGG_ARCHS"]

#: ``conv_arch`` of the four networks of the VGG paper's table 1 (configurations A, B, D, E).
VGG_ARCHS = {
    "vgg11": ((1, 64), (1, 128), (2, 256), (2, 512), (2, 512)),
    "vgg13": ((2, 64), (2, 128), (2, 256), (2, 512), (2, 512)),
    "vgg16": ((2, 64), (2, 128), (3, 256), (3, 512), (3, 512)),
    "vgg19": ((2, 64), (2, 128), (4, 256), (4, 512), (4, 512)),
}


def vgg_block(num_convs: int, in_channels: int, out_channels: int) -> nn.Sequential:
    r"""``num_convs`` times (3x3 convolution with padding 1, ReLU), then a 2x2 max pool.

    The convolutions keep the spatial size; the pool halves it (rounding down).

    Args:
        num_convs (int): number of convolutions.
        in_channels (int): channels entering the first convolution.
        out_channels (int): channels of every convolution's output.

    Shape:
        - Input: :math:`(N, C_{in}, H, W)`
        - Output: :math:`(N, C_{out}, \lfloor H/2 \rfloor, \lfloor W/2 \rfloor)`

    Parameters: :math:`(9 C_{in} C_{out} + C_{out}) + (\text{num\_convs} - 1)(9 C_{out}^2 +
        C_{out})`.

    Examples::

        >>> block = vgg_block(2, 3, 8)
        >>> block(torch.zeros(1, 3, 15, 16)).shape
        torch.Size([1, 8, 7, 8])
        >>> sum(p.numel() for p in block.parameters())  # (9*3*8 + 8) + (9*8*8 + 8)
        808
    """
    num_convs = positive_int(num_convs, "num_convs")
    in_channels = positive_int(in_channels, "in_channels")
    out_channels = positive_int(out_channels, "out_channels")
    layers = []
    for i in range(num_convs):
        layers += [
            nn.Conv2d(in_channels if i == 0 else out_channels, out_channels, 3, padding=1),
            nn.ReLU(inplace=True),
        ]
    layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
    return nn.Sequential(*layers)


def _check_arch(conv_arch) -> tuple[tuple[int, int], ...]:
    if isinstance(conv_arch, str):
        if conv_arch not in VGG_ARCHS:
            raise ValueError(
                f"conv_arch must be one of {sorted(VGG_ARCHS)} "
                f"or a tuple of pairs, got {conv_arch!r}"
            )
        return VGG_ARCHS[conv_arch]
    if not isinstance(conv_arch, (tuple, list)) or not conv_arch:
        raise TypeError(
            "conv_arch must be a non-empty tuple of "
            f"(num_convs, out_channels) pairs, got {conv_arch!r}"
        )
    pairs = []
    for i, pair in enumerate(conv_arch):
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise TypeError(
                f"conv_arch[{i}] must be a pair (num_convs, out_channels), got {pair!r}"
            )
        pairs.append(
            (
                positive_int(pair[0], f"conv_arch[{i}][0]"),
                positive_int(pair[1], f"conv_arch[{i}][1]"),
            )
        )
    return tuple(pairs)


class VGG(nn.Module):
    r"""A VGG network: one :func:`vgg_block` per entry of ``conv_arch``, then a 3-layer MLP head.

    Args:
        conv_arch: a name in :data:`VGG_ARCHS` (``"vgg11"``, ``"vgg13"``, ``"vgg16"``,
            ``"vgg19"``) or a tuple of ``(num_convs, out_channels)`` pairs, one per block.
        in_channels (int): input channels. Default: 3
        num_classes (int): outputs. Default: 1000
        input_size (int): side of the (square) input images; fixes the width of the
            first linear layer. Default: 224
        hidden (int): width of the two hidden linear layers. Default: 4096
        dropout (float): drop probability after each hidden layer. Default: 0.5

    Shape:
        - Input: :math:`(N, C_{in}, S, S)` with :math:`S` = ``input_size``
        - Features: :math:`(N, C_{last}, s, s)` with :math:`s = \lfloor S / 2^B \rfloor`
          for :math:`B` blocks (each pool floors)
        - Output: :math:`(N, \text{num\_classes})`

    Examples::

        >>> with torch.device("meta"):
        ...     net = VGG("vgg16")
        >>> sum(p.numel() for p in net.parameters())
        138357544
        >>> small = VGG(((1, 8), (1, 16)), in_channels=1, num_classes=10, input_size=28, hidden=32)
        >>> small(torch.zeros(2, 1, 28, 28)).shape
        torch.Size([2, 10])
    """

    def __init__(
        self,
        conv_arch,
        in_channels: int = 3,
        num_classes: int = 1000,
        input_size: int = 224,
        hidden: int = 4096,
        dropout: float = 0.5,
    ):
        super().__init__()
        arch = _check_arch(conv_arch)
        in_channels = positive_int(in_channels, "in_channels")
        num_classes = positive_int(num_classes, "num_classes")
        input_size = positive_int(input_size, "input_size")
        hidden = positive_int(hidden, "hidden")
        dropout = check_probability(dropout, "dropout", include_one=False)
        side = input_size
        for _ in arch:
            side //= 2
        if side < 1:
            raise ValueError(
                f"input_size {input_size} is too small for {len(arch)} blocks that each halve it"
            )
        blocks, channels = [], in_channels
        for num_convs, out_channels in arch:
            blocks.append(vgg_block(num_convs, channels, out_channels))
            channels = out_channels
        self.conv_arch = arch
        self.features = nn.Sequential(*blocks)
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(channels * side * side, hidden), nn.ReLU(inplace=True), nn.Dropout(dropout),
            nn.Linear(hidden, hidden), nn.ReLU(inplace=True), nn.Dropout(dropout),
            nn.Linear(hidden, num_classes),
        )  # fmt: skip

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x))
