r"""The network of the fast training recipe (:mod:`convkit.training.recipe`, the appendix on fast
training), shaped for CPU throughput in the manner of airbench.

:class:`FastCNN` has three blocks; each convolves at its input's resolution, then max-pools
*before* batch normalisation and the activation, so the normalisation, the ReLU and the
second convolution of the block work on a quarter of the pixels. On a CPU these memory-bound
steps cost about as much as the convolutions themselves, so the network can be wider than
:class:`~convkit.models.small.SmallCNN` for the same training time.
"""

from __future__ import annotations

from torch import nn

from convkit._validation import positive_int as _positive_int
from convkit._validation import positive_real, widths_tuple
from convkit.models.utils import NamedSequential

__all__ = ["FastCNN"]


class _Scale(nn.Module):
    """Multiply by a fixed number (no parameter)."""

    def __init__(self, factor: float):
        super().__init__()
        self.factor = float(factor)

    def forward(self, x):
        return x * self.factor

    def extra_repr(self) -> str:
        return f"factor={self.factor}"


def _block(c_in: int, c_out: int) -> list[nn.Module]:
    return [
        nn.Conv2d(c_in, c_out, 3, padding=1, bias=False),
        nn.MaxPool2d(2, ceil_mode=True),
        nn.BatchNorm2d(c_out),
        nn.ReLU(inplace=True),
        nn.Conv2d(c_out, c_out, 3, padding=1, bias=False),
        nn.BatchNorm2d(c_out),
        nn.ReLU(inplace=True),
    ]


class FastCNN(NamedSequential):
    r"""Three blocks of [Conv 3x3, MaxPool 2, BatchNorm, ReLU, Conv 3x3, BatchNorm, ReLU], a
    global max-pool and one linear layer whose output is scaled by ``logit_scale``.

    ==========  ===================================================  ==========================
    part        layers                                               output (28x28 input)
    ==========  ===================================================  ==========================
    block 1     Conv 3x3 (no bias), MaxPool 2 (ceil), BN, ReLU,      ``w1`` x 14 x 14
                Conv 3x3 (no bias), BN, ReLU
    block 2     the same with ``w2`` channels                        ``w2`` x 7 x 7
    block 3     the same with ``w3`` channels                        ``w3`` x 4 x 4
    head        AdaptiveMaxPool 1, Flatten, Linear(w3, num_classes), num_classes
                times ``logit_scale``
    ==========  ===================================================  ==========================

    The fixed factor on the logits (airbench multiplies them by 1/9) keeps the first steps at
    a large learning rate from diverging: the max-pooled features are large, and without it
    a run of a few dozen steps stays at chance level.

    Args:
        widths (tuple of 3 ints): channels of the three blocks. Default: (32, 64, 128)
        in_channels (int): input channels. Default: 1
        num_classes (int): outputs. Default: 10
        logit_scale (float): positive factor on the logits. Default: 0.125

    Shape:
        - Input: :math:`(N, C_{in}, H, W)` with :math:`H, W \ge 1`
        - Output: :math:`(N, \text{num\_classes})`

    The parameter count is
    :math:`9 (C_{in} w_1 + w_1^2 + w_1 w_2 + w_2^2 + w_2 w_3 + w_3^2) + 4 (w_1 + w_2 + w_3)
    + (w_3 + 1)\,\text{num\_classes}` (convolution weights, batch-norm scales and shifts, the
    linear layer).

    Examples::

        >>> import torch
        >>> net = FastCNN()
        >>> net(torch.zeros(2, 1, 28, 28)).shape
        torch.Size([2, 10])
        >>> sum(p.numel() for p in net.parameters())
        288170
    """

    def __init__(
        self,
        widths=(32, 64, 128),
        in_channels: int = 1,
        num_classes: int = 10,
        logit_scale: float = 0.125,
    ):
        w1, w2, w3 = widths_tuple(widths, 3)
        in_channels = _positive_int(in_channels, "in_channels")
        num_classes = _positive_int(num_classes, "num_classes")
        logit_scale = positive_real(logit_scale, "logit_scale")
        super().__init__(
            *_block(in_channels, w1), *_block(w1, w2), *_block(w2, w3),
            nn.AdaptiveMaxPool2d(1), nn.Flatten(), nn.Linear(w3, num_classes),
            _Scale(logit_scale),
        )  # fmt: skip
        self.widths: tuple[int, int, int] = (w1, w2, w3)

    def extra_repr(self) -> str:
        return f"widths={self.widths}"
