"""AlexNet (Krizhevsky, Sutskever and Hinton, 2012), single-stream, for 224x224 images."""

from __future__ import annotations

import torch
from torch import nn

from convkit._validation import check_probability, positive_int, positive_real

__all__ = ["AlexNet"]


class AlexNet(nn.Module):
    r"""AlexNet: five convolutions (ReLU), three max pools, and a dropout-regularised MLP head.

    ``features`` (224x224 input):

    ==========================================================  ==============
    layer                                                       output
    ==========================================================  ==============
    ``Conv2d(in_channels, 96, 11, stride=4, padding=2)``, ReLU  96 x 55 x 55
    ``MaxPool2d(3, stride=2)``                                  96 x 27 x 27
    ``Conv2d(96, 256, 5, padding=2)``, ReLU                     256 x 27 x 27
    ``MaxPool2d(3, stride=2)``                                  256 x 13 x 13
    ``Conv2d(256, 384, 3, padding=1)``, ReLU                    384 x 13 x 13
    ``Conv2d(384, 384, 3, padding=1)``, ReLU                    384 x 13 x 13
    ``Conv2d(384, 256, 3, padding=1)``, ReLU                    256 x 13 x 13
    ``MaxPool2d(3, stride=2)``                                  256 x 6 x 6
    ==========================================================  ==============

    ``classifier``: Flatten, Dropout, ``Linear(256*6*6, 4096)``, ReLU, Dropout,
    ``Linear(4096, 4096)``, ReLU, ``Linear(4096, num_classes)``.

    The padding of 2 on the first convolution is what makes a 224x224 image
    end as 256 x 6 x 6; with padding 1 it ends as 256 x 5 x 5 and the first
    linear layer no longer fits (the error in seed 002, which the book shows).
    The local response normalisation of the paper is left out, as in most
    modern re-implementations; it has no parameters.

    Args:
        num_classes (int): outputs of the last layer. Default: 1000
        in_channels (int): input channels. Default: 3
        dropout (float): drop probability of the two dropout layers. Default: 0.5
        init_std (float or None): if given, every convolution and linear weight is drawn
            from :math:`\mathcal{N}(0, \text{init\_std}^2)` and every bias set to 0 (the
            scheme seed 002 meant to apply); ``None`` keeps PyTorch's default
            initialisation. Default: ``None``

    Shape:
        - Input: :math:`(N, C_{in}, 224, 224)`
        - Features: :math:`(N, 256, 6, 6)`; the spatial side is
          :math:`\lfloor(\lfloor(\lfloor(\lfloor (H + 4 - 11)/4 \rfloor + 1 - 3)/2\rfloor + 1 -
          3)/2\rfloor + 1 - 3)/2\rfloor + 1`
        - Output: :math:`(N, \text{num\_classes})`

    Examples::

        >>> with torch.device("meta"):
        ...     net = AlexNet()
        >>> net.features(torch.zeros(1, 3, 224, 224, device="meta")).shape
        torch.Size([1, 256, 6, 6])
        >>> sum(p.numel() for p in net.parameters())
        62378344
    """

    def __init__(
        self, num_classes: int = 1000, in_channels: int = 3, dropout: float = 0.5, init_std=None
    ):
        super().__init__()
        num_classes = positive_int(num_classes, "num_classes")
        in_channels = positive_int(in_channels, "in_channels")
        dropout = check_probability(dropout, "dropout", include_one=False)
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 96, kernel_size=11, stride=4, padding=2), nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(96, 256, kernel_size=5, padding=2), nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(256, 384, kernel_size=3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(384, 384, kernel_size=3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(384, 256, kernel_size=3, padding=1), nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
        )  # fmt: skip
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Dropout(dropout), nn.Linear(256 * 6 * 6, 4096), nn.ReLU(inplace=True),
            nn.Dropout(dropout), nn.Linear(4096, 4096), nn.ReLU(inplace=True),
            nn.Linear(4096, num_classes),
        )  # fmt: skip
        if init_std is not None:
            self.init_parameters(init_std)

    def init_parameters(self, std: float = 0.01) -> None:
        """Draw every conv/linear weight from N(0, std^2) and zero every bias.

        Unlike seed 002, which loops over a ``self.convs`` that does not exist,
        this walks the modules that do: :meth:`~torch.nn.Module.modules`.

        Examples::

            >>> _ = torch.manual_seed(0)
            >>> net = AlexNet(num_classes=10, init_std=0.01)
            >>> (round(net.classifier[-1].weight.std().item(), 3),
            ...  net.features[0].bias.abs().max().item())
            (0.01, 0.0)
        """
        std = positive_real(std, "std")
        for module in self.modules():
            if isinstance(module, (nn.Conv2d, nn.Linear)):
                nn.init.normal_(module.weight, mean=0.0, std=float(std))
                if module.bias is not None:
                    nn.init.zeros_(module.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x))
