"""The naive Inception block: GoogLeNet's four branches without the 1x1 reductions.

The counterpart of :class:`convkit.models.blocks.Inception` that shows what the reductions save
(chapters 06 and 09); its parameter count is :func:`convkit.naive_inception_params`.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from convkit._validation import positive_int

__all__ = ["NaiveInception"]


class NaiveInception(nn.Module):
    r"""1x1, 3x3 and 5x5 convolutions and a 3x3 max pool side by side, straight on the input.

    ========  =======================================================
    branch    layer
    ========  =======================================================
    1         ``Conv2d(in_channels, c1, 1)``, ReLU
    2         ``Conv2d(in_channels, c2, 3, padding=1)``, ReLU
    3         ``Conv2d(in_channels, c3, 5, padding=2)``, ReLU
    4         ``MaxPool2d(3, stride=1, padding=1)`` (all input channels pass)
    ========  =======================================================

    The four outputs are concatenated along the channels in that order. Unlike
    :class:`~convkit.models.blocks.Inception` there is no 1x1 convolution in front of the
    3x3 and 5x5 convolutions and none after the pool, so every convolution reads all
    :math:`C_{in}` channels and the output is wider than the input.

    Args:
        in_channels (int): :math:`C_{in}`.
        c1 (int), c2 (int), c3 (int): output channels of the 1x1, 3x3 and 5x5 convolutions.

    Shape:
        - Input: :math:`(N, C_{in}, H, W)`
        - Output: :math:`(N, c_1 + c_2 + c_3 + C_{in}, H, W)`

    Parameters: :math:`C_{in} (c_1 + 9 c_2 + 25 c_3) + c_1 + c_2 + c_3`
    (:func:`convkit.naive_inception_params`).

    Examples::

        >>> block = NaiveInception(192, 64, 128, 32)         # block 3a without reductions
        >>> block(torch.zeros(1, 192, 28, 28)).shape
        torch.Size([1, 416, 28, 28])
        >>> block.out_channels, sum(p.numel() for p in block.parameters())
        (416, 387296)
    """

    def __init__(self, in_channels: int, c1: int, c2: int, c3: int):
        super().__init__()
        in_channels = positive_int(in_channels, "in_channels")
        c1 = positive_int(c1, "c1")
        c2 = positive_int(c2, "c2")
        c3 = positive_int(c3, "c3")
        self.in_channels = in_channels
        self.out_channels = c1 + c2 + c3 + in_channels
        self.b1 = nn.Conv2d(in_channels, c1, 1)
        self.b2 = nn.Conv2d(in_channels, c2, 3, padding=1)
        self.b3 = nn.Conv2d(in_channels, c3, 5, padding=2)
        self.b4 = nn.MaxPool2d(3, stride=1, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        convs = [F.relu(branch(x)) for branch in (self.b1, self.b2, self.b3)]
        return torch.cat(convs + [self.b4(x)], dim=1)
