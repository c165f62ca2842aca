"""GoogLeNet (Szegedy et al., 2014) built from :class:`convkit.models.blocks.Inception`."""

from __future__ import annotations

import torch
from torch import nn

from convkit._validation import check_probability, positive_int
from convkit.models.blocks import Inception

__all__ = ["GoogLeNet", "GOOGLENET_INCEPTIONS"]

#: ``(in_channels, c1, c2, c3, c4)`` of the nine Inception blocks (3a, 3b, 4a-4e, 5a, 5b), paper's
#: table 1.
GOOGLENET_INCEPTIONS = {
    "3a": (192, 64, (96, 128), (16, 32), 32),
    "3b": (256, 128, (128, 192), (32, 96), 64),
    "4a": (480, 192, (96, 208), (16, 48), 64),
    "4b": (512, 160, (112, 224), (24, 64), 64),
    "4c": (512, 128, (128, 256), (24, 64), 64),
    "4d": (512, 112, (144, 288), (32, 64), 64),
    "4e": (528, 256, (160, 320), (32, 128), 128),
    "5a": (832, 256, (160, 320), (32, 128), 128),
    "5b": (832, 384, (192, 384), (48, 128), 128),
}


class GoogLeNet(nn.Module):
    r"""GoogLeNet without the auxiliary classifiers and local response normalisation.

    Five stages (``b1`` ... ``b5``) and a linear head:

    * ``b1``: ``Conv2d(C_in, 64, 7, stride=2, padding=3)``, ReLU, ``MaxPool2d(3, 2, padding=1)``
    * ``b2``: ``Conv2d(64, 64, 1)``, ReLU, ``Conv2d(64, 192, 3, padding=1)``, ReLU, ``MaxPool2d(3,
      2, padding=1)``
    * ``b3``: Inception 3a, 3b, ``MaxPool2d(3, 2, padding=1)``
    * ``b4``: Inception 4a - 4e, ``MaxPool2d(3, 2, padding=1)``
    * ``b5``: Inception 5a, 5b, ``AdaptiveAvgPool2d(1)``, Flatten
    * ``fc``: Dropout, ``Linear(1024, num_classes)``

    The channel numbers of the nine blocks are those of the paper (:data:`GOOGLENET_INCEPTIONS`).

    Args:
        in_channels (int): input channels. Default: 3
        num_classes (int): outputs. Default: 1000
        dropout (float): drop probability before the last layer (0.4 in the paper). Default: 0.4

    Shape:
        - Input: :math:`(N, C_{in}, H, W)`; 224x224 leaves 1024 x 7 x 7 before the global pool.
        - Output: :math:`(N, \text{num\_classes})`

    Examples::

        >>> with torch.device("meta"):
        ...     net = GoogLeNet()
        >>> net(torch.zeros(1, 3, 224, 224, device="meta")).shape
        torch.Size([1, 1000])
        >>> sum(p.numel() for p in net.parameters())
        6998552
    """

    def __init__(self, in_channels: int = 3, num_classes: int = 1000, dropout: float = 0.4):
        super().__init__()
        in_channels = positive_int(in_channels, "in_channels")
        num_classes = positive_int(num_classes, "num_classes")
        dropout = check_probability(dropout, "dropout", include_one=False)
        cfg = GOOGLENET_INCEPTIONS

        def pool():
            return nn.MaxPool2d(kernel_size=3, stride=2, padding=1)

        self.b1 = nn.Sequential(
            nn.Conv2d(in_channels, 64, 7, stride=2, padding=3), nn.ReLU(inplace=True), pool()
        )
        self.b2 = nn.Sequential(
            nn.Conv2d(64, 64, 1), nn.ReLU(inplace=True),
            nn.Conv2d(64, 192, 3, padding=1), nn.ReLU(inplace=True), pool(),
        )  # fmt: skip
        self.b3 = nn.Sequential(Inception(*cfg["3a"]), Inception(*cfg["3b"]), pool())
        self.b4 = nn.Sequential(
            *(Inception(*cfg[k]) for k in ("4a", "4b", "4c", "4d", "4e")), pool()
        )
        self.b5 = nn.Sequential(
            Inception(*cfg["5a"]), Inception(*cfg["5b"]), nn.AdaptiveAvgPool2d(1), nn.Flatten()
        )
        self.fc = nn.Sequential(nn.Dropout(dropout), nn.Linear(1024, num_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.b5(self.b4(self.b3(self.b2(self.b1(x))))))
