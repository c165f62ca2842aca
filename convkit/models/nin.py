"""Network in Network (Lin, Chen and Yan, 2013): 1x1 convolutions as per-pixel MLPs, no dense
head."""

from __future__ import annotations

import torch
from torch import nn

from convkit._validation import check_probability, nonnegative_int, positive_int

__all__ = ["nin_block", "NiN"]


def nin_block(
    in_channels: int, out_channels: int, kernel_size: int, stride: int = 1, padding: int = 0
) -> nn.Sequential:
    r"""A convolution followed by two 1x1 convolutions, each followed by a ReLU.

    The two 1x1 convolutions act as a small MLP applied at every pixel.

    Args:
        in_channels (int), out_channels (int): channels in and out.
        kernel_size (int), stride (int), padding (int): of the first convolution.

    Shape:
        - Input: :math:`(N, C_{in}, H, W)`
        - Output: :math:`(N, C_{out}, H_{out}, W_{out})` with
          :math:`H_{out} = \lfloor (H + 2p - k) / s \rfloor + 1`, likewise for :math:`W`.

    Parameters: :math:`(k^2 C_{in} C_{out} + C_{out}) + 2 (C_{out}^2 + C_{out})`.

    Examples::

        >>> block = nin_block(1, 4, kernel_size=5, stride=2, padding=1)
        >>> block(torch.zeros(1, 1, 28, 28)).shape
        torch.Size([1, 4, 13, 13])
        >>> sum(p.numel() for p in block.parameters())  # (25*4 + 4) + 2*(16 + 4)
        144
    """
    in_channels = positive_int(in_channels, "in_channels")
    out_channels = positive_int(out_channels, "out_channels")
    kernel_size = positive_int(kernel_size, "kernel_size")
    stride = positive_int(stride, "stride")
    padding = nonnegative_int(padding, "padding")
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, kernel_size, stride=stride, padding=int(padding)),
        nn.ReLU(inplace=True),
        nn.Conv2d(out_channels, out_channels, kernel_size=1), nn.ReLU(inplace=True),
        nn.Conv2d(out_channels, out_channels, kernel_size=1), nn.ReLU(inplace=True),
    )  # fmt: skip


class NiN(nn.Module):
    r"""Network in Network for 224x224 images, ending in global average pooling instead of dense
    layers.

    ``nin_block(C_in, 96, 11, 4, 0)``, ``MaxPool2d(3, 2)``, ``nin_block(96, 256, 5, 1, 2)``,
    ``MaxPool2d(3, 2)``, ``nin_block(256, 384, 3, 1, 1)``, ``MaxPool2d(3, 2)``, Dropout,
    ``nin_block(384, num_classes, 3, 1, 1)``, ``AdaptiveAvgPool2d(1)``, Flatten. The last
    block makes one feature map per class; averaging each map gives the class score.

    Args:
        in_channels (int): input channels. Default: 3
        num_classes (int): outputs. Default: 1000
        dropout (float): drop probability before the last block. Default: 0.5

    Shape:
        - Input: :math:`(N, C_{in}, H, W)` (224x224 gives 5x5 maps before the global pool;
          any input of at least 67x67 works)
        - Output: :math:`(N, \text{num\_classes})`

    Examples::

        >>> with torch.device("meta"):
        ...     net = NiN()
        >>> net(torch.zeros(1, 3, 224, 224, device="meta")).shape
        torch.Size([1, 1000])
    """

    def __init__(self, in_channels: int = 3, num_classes: int = 1000, dropout: float = 0.5):
        super().__init__()
        in_channels = positive_int(in_channels, "in_channels")
        num_classes = positive_int(num_classes, "num_classes")
        dropout = check_probability(dropout, "dropout", include_one=False)
        self.net = nn.Sequential(
            nin_block(in_channels, 96, kernel_size=11, stride=4, padding=0),
            nn.MaxPool2d(3, stride=2),
            nin_block(96, 256, kernel_size=5, stride=1, padding=2),
            nn.MaxPool2d(3, stride=2),
            nin_block(256, 384, kernel_size=3, stride=1, padding=1),
            nn.MaxPool2d(3, stride=2),
            nn.Dropout(dropout),
            nin_block(384, num_classes, kernel_size=3, stride=1, padding=1),
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)
