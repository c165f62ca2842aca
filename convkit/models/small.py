r"""The course's best small network for 28x28 digits, and Monte-Carlo dropout (chapters 10 and 11).

:class:`SmallCNN` is a compact VGG-style network: two stages of two 3x3 convolutions
with batch normalisation, each followed by a 2x2 max-pool, a third convolution stage,
global average pooling and a head with dropout. It is small enough to train on the
course's 4,000 digits in a few minutes on a laptop CPU.
"""

from __future__ import annotations

import numbers

import torch
from torch import nn

from convkit._validation import positive_int as _positive_int
from convkit._validation import widths_tuple
from convkit.models.utils import NamedSequential

__all__ = ["SmallCNN", "mc_dropout_predict"]


def _conv_bn_relu(c_in: int, c_out: int) -> list[nn.Module]:
    return [
        nn.Conv2d(c_in, c_out, 3, padding=1, bias=False),
        nn.BatchNorm2d(c_out),
        nn.ReLU(inplace=True),
    ]


class SmallCNN(NamedSequential):
    r"""A compact VGG-style CNN with batch normalisation and dropout, for small grey images.

    ==========  ====================================================  ===========================
    part        layers                                                output (28x28 input)
    ==========  ====================================================  ===========================
    stage 1     2 x [Conv 3x3 (no bias), BatchNorm, ReLU], MaxPool 2  ``w1`` x 14 x 14
    stage 2     2 x [Conv 3x3 (no bias), BatchNorm, ReLU], MaxPool 2  ``w2`` x 7 x 7
    stage 3     Conv 3x3 (no bias), BatchNorm, ReLU                   ``w3`` x 7 x 7
    head        AdaptiveAvgPool 1, Flatten, Dropout(p),               num_classes
                Linear(w3, hidden), ReLU, Dropout(p),
                Linear(hidden, num_classes)
    ==========  ====================================================  ===========================

    Dropout sits only in the fully connected head, where most co-adaptation happens; the
    convolutions are regularised by batch normalisation and by data augmentation.

    Args:
        widths (tuple of 3 ints): channels of the three stages. Default: (32, 64, 128)
        hidden (int): width of the hidden fully connected layer. Default: 128
        p (float): dropout probability in the head, in [0, 1). Default: 0.3
        in_channels (int): input channels. Default: 1
        num_classes (int): outputs. Default: 10

    Shape:
        - Input: :math:`(N, C_{in}, H, W)` with :math:`H, W \ge 4`
        - Output: :math:`(N, \text{num\_classes})`

    The parameter count is
    :math:`9 (C_{in} w_1 + w_1^2 + w_1 w_2 + w_2^2 + w_2 w_3) + 2 (2 w_1 + 2 w_2 + w_3)
    + (w_3 + 1)\,\text{hidden} + (\text{hidden} + 1)\,\text{num\_classes}`
    (convolution weights, batch-norm scales and shifts, the two linear layers).

    Examples::

        >>> net = SmallCNN()
        >>> net(torch.zeros(2, 1, 28, 28)).shape
        torch.Size([2, 10])
        >>> sum(p.numel() for p in net.parameters())
        156970
        >>> net.dropout_layers()
        [Dropout(p=0.3, inplace=False), Dropout(p=0.3, inplace=False)]
    """

    def __init__(
        self,
        widths=(32, 64, 128),
        hidden: int = 128,
        p: float = 0.3,
        in_channels: int = 1,
        num_classes: int = 10,
    ):
        w1, w2, w3 = widths_tuple(widths, 3)
        hidden = _positive_int(hidden, "hidden")
        in_channels = _positive_int(in_channels, "in_channels")
        num_classes = _positive_int(num_classes, "num_classes")
        if isinstance(p, bool) or not isinstance(p, numbers.Real):
            raise TypeError(f"p must be a float, got {type(p).__name__}")
        if not 0.0 <= float(p) < 1.0:
            raise ValueError(f"p must lie in [0, 1), got {p}")
        super().__init__(
            *_conv_bn_relu(in_channels, w1), *_conv_bn_relu(w1, w1), nn.MaxPool2d(2),
            *_conv_bn_relu(w1, w2), *_conv_bn_relu(w2, w2), nn.MaxPool2d(2),
            *_conv_bn_relu(w2, w3),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(),
            nn.Dropout(float(p)), nn.Linear(w3, hidden), nn.ReLU(inplace=True),
            nn.Dropout(float(p)), nn.Linear(hidden, num_classes),
        )  # fmt: skip
        self.widths: tuple[int, int, int] = (w1, w2, w3)
        self.hidden: int = hidden
        self.p: float = float(p)

    def dropout_layers(self) -> list[nn.Dropout]:
        """The dropout layers of the network, in order."""
        return [m for m in self.modules() if isinstance(m, nn.Dropout)]

    def extra_repr(self) -> str:
        return f"widths={self.widths}, hidden={self.hidden}, p={self.p}"


@torch.no_grad()
def mc_dropout_predict(
    model: nn.Module, x: torch.Tensor, samples: int = 20, *, generator_seed: int | None = None
):
    r"""Monte-Carlo dropout: average the softmax of ``samples`` passes with dropout switched on.

    Every :class:`torch.nn.Dropout` layer is put in training mode (it drops units at
    random), everything else stays in evaluation mode (batch normalisation keeps using
    its running statistics). Each pass is one member of the ensemble of thinned networks
    that dropout trains; their average approximates the ensemble's prediction. The
    deterministic evaluation pass (all units, no scaling, thanks to inverted dropout) is
    the cheap approximation of the same average. The model's modes are restored.

    Args:
        model: a network containing dropout layers.
        x: a batch of inputs on the model's device.
        samples (int): number of stochastic passes. Default: 20
        generator_seed (int, optional): seed torch's global generator first, for repeatable
            masks.

    Returns:
        ``(mean, per_pass)``: the averaged probabilities :math:`(N, K)` and the
        probabilities of each pass :math:`(\text{samples}, N, K)`.

    Examples::

        >>> _ = torch.manual_seed(0)
        >>> net = SmallCNN().eval()
        >>> mean, passes = mc_dropout_predict(net, torch.randn(3, 1, 28, 28), samples=5,
        ...     generator_seed=0)
        >>> tuple(mean.shape), tuple(passes.shape), net.training
        ((3, 10), (5, 3, 10), False)
        >>> bool(torch.allclose(mean.sum(1), torch.ones(3)))
        True
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    samples = _positive_int(samples, "samples")
    drops = [m for m in model.modules() if isinstance(m, nn.modules.dropout._DropoutNd)]
    if not drops:
        raise ValueError("model has no dropout layer: every pass would be the same")
    modes = {m: m.training for m in model.modules()}
    if generator_seed is not None:
        torch.manual_seed(generator_seed)
    try:
        model.eval()
        for d in drops:
            d.train()
        per_pass = torch.stack([torch.softmax(model(x), dim=1) for _ in range(samples)])
    finally:
        for m, mode in modes.items():
            m.training = mode
    return per_pass.mean(0), per_pass
