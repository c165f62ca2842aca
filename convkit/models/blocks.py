"""Building blocks that use 1x1 and grouped convolutions: Inception, residual blocks, separable
convs.

These are :class:`torch.nn.Module` subclasses (importing this module imports torch).
The chapters "Grouped, depthwise and dilated convolution" and "1x1 convolution" count
their parameters; the chapter "From LeNet to ResNet" builds GoogLeNet and ResNet from them.

Every block exposes ``out_channels``, the number of channels it returns, so a model can
chain blocks without repeating the arithmetic.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from convkit._validation import nonnegative_int, positive_int

__all__ = ["Inception", "BasicBlock", "Bottleneck", "DepthwiseSeparableConv"]


def _check_pair(value, name: str) -> tuple[int, int]:
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise TypeError(f"{name} must be a pair (reduce_channels, out_channels), got {value!r}")
    return positive_int(value[0], f"{name}[0]"), positive_int(value[1], f"{name}[1]")


class Inception(nn.Module):
    r"""The GoogLeNet Inception block with 1x1 reductions (four parallel branches).

    ========  ==============================================================
    branch    layers (each convolution is followed by a ReLU)
    ========  ==============================================================
    1         1x1 conv ``in_channels -> c1``
    2         1x1 conv ``in_channels -> c2[0]``, 3x3 conv (padding 1) ``-> c2[1]``
    3         1x1 conv ``in_channels -> c3[0]``, 5x5 conv (padding 2) ``-> c3[1]``
    4         3x3 max-pool (stride 1, padding 1), 1x1 conv ``in_channels -> c4``
    ========  ==============================================================

    The four outputs are concatenated along the channel axis. All convolutions have a bias.

    Args:
        in_channels (int): channels of the input.
        c1 (int): output channels of the 1x1 branch.
        c2 (tuple[int, int]): ``(reduce, out)`` channels of the 3x3 branch.
        c3 (tuple[int, int]): ``(reduce, out)`` channels of the 5x5 branch.
        c4 (int): output channels of the pool-projection branch.

    Shape:
        - Input: :math:`(N, C_{in}, H, W)`
        - Output: :math:`(N, c_1 + c_2[1] + c_3[1] + c_4, H, W)`

    The number of parameters is

    .. math::
        C_{in} c_1 + (C_{in} c_2[0] + 9\, c_2[0] c_2[1]) + (C_{in} c_3[0] + 25\, c_3[0] c_3[1])
        + C_{in} c_4 + (c_1 + c_2[0] + c_2[1] + c_3[0] + c_3[1] + c_4)

    (see :func:`convkit.formulas.separable.inception_params`).

    Examples::

        >>> block = Inception(192, 64, (96, 128), (16, 32), 32)
        >>> block(torch.zeros(2, 192, 28, 28)).shape
        torch.Size([2, 256, 28, 28])
        >>> block.out_channels, sum(p.numel() for p in block.parameters())
        (256, 163696)
    """

    def __init__(self, in_channels, c1, c2, c3, c4):
        super().__init__()
        in_channels = positive_int(in_channels, "in_channels")
        c1 = positive_int(c1, "c1")
        c2 = _check_pair(c2, "c2")
        c3 = _check_pair(c3, "c3")
        c4 = positive_int(c4, "c4")
        self.in_channels = in_channels
        self.out_channels = c1 + c2[1] + c3[1] + c4
        self.b1 = nn.Conv2d(in_channels, c1, kernel_size=1)
        self.b2_reduce = nn.Conv2d(in_channels, c2[0], kernel_size=1)
        self.b2 = nn.Conv2d(c2[0], c2[1], kernel_size=3, padding=1)
        self.b3_reduce = nn.Conv2d(in_channels, c3[0], kernel_size=1)
        self.b3 = nn.Conv2d(c3[0], c3[1], kernel_size=5, padding=2)
        self.b4_pool = nn.MaxPool2d(kernel_size=3, stride=1, padding=1)
        self.b4 = nn.Conv2d(in_channels, c4, kernel_size=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        p1 = F.relu(self.b1(x))
        p2 = F.relu(self.b2(F.relu(self.b2_reduce(x))))
        p3 = F.relu(self.b3(F.relu(self.b3_reduce(x))))
        p4 = F.relu(self.b4(self.b4_pool(x)))
        return torch.cat([p1, p2, p3, p4], dim=1)


def _conv_bn(in_channels, out_channels, kernel_size, stride, use_bn) -> nn.Sequential:
    """A bias-free convolution followed by BatchNorm (or by nothing when ``use_bn`` is False)."""
    layers: list[nn.Module] = [
        nn.Conv2d(
            in_channels,
            out_channels,
            kernel_size,
            stride=stride,
            padding=kernel_size // 2,
            bias=False,
        )
    ]
    if use_bn:
        layers.append(nn.BatchNorm2d(out_channels))
    return nn.Sequential(*layers)


class BasicBlock(nn.Module):
    r"""The ResNet basic residual block: two 3x3 convolutions and a shortcut.

    ``y = relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x))`` where ``conv1`` has the block's
    stride. The shortcut is the identity when ``stride == 1`` and ``in_channels == out_channels``,
    otherwise a 1x1 convolution with the same stride followed by BatchNorm (a projection).
    Convolutions have no bias (BatchNorm follows each of them).

    Args:
        in_channels (int): channels of the input.
        out_channels (int): channels of the output.
        stride (int): stride of the first 3x3 convolution and of the projection. Default: 1
        use_bn (bool): put BatchNorm after each convolution. ``False`` leaves bare convolutions,
            which is only useful to count their weights. Default: ``True``

    Attributes:
        expansion (int): ``out_channels`` divided by the block's width; always 1 here.

    Shape:
        - Input: :math:`(N, C_{in}, H, W)`
        - Output: :math:`(N, C_{out}, H_{out}, W_{out})` with
          :math:`H_{out} = \lfloor (H - 1) / \text{stride} \rfloor + 1`, likewise for :math:`W`.

    Without BatchNorm the block has :math:`9 C_{in} C_{out} + 9 C_{out}^2` weights, plus
    :math:`C_{in} C_{out}` for a projection shortcut.

    Examples::

        >>> block = BasicBlock(64, 128, stride=2)
        >>> block(torch.zeros(1, 64, 56, 56)).shape
        torch.Size([1, 128, 28, 28])
        >>> sum(p.numel() for p in BasicBlock(256, 256, use_bn=False).parameters())
        1179648
    """

    expansion = 1

    def __init__(self, in_channels, out_channels, stride=1, *, use_bn=True):
        super().__init__()
        in_channels = positive_int(in_channels, "in_channels")
        out_channels = positive_int(out_channels, "out_channels")
        stride = positive_int(stride, "stride")
        if not isinstance(use_bn, bool):
            raise TypeError(f"use_bn must be a bool, got {type(use_bn).__name__}")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.stride = stride
        self.conv1 = _conv_bn(in_channels, out_channels, 3, stride, use_bn)
        self.conv2 = _conv_bn(out_channels, out_channels, 3, 1, use_bn)
        if stride != 1 or in_channels != out_channels:
            self.shortcut: nn.Module = _conv_bn(in_channels, out_channels, 1, stride, use_bn)
        else:
            self.shortcut = nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.relu(self.conv1(x))
        y = self.conv2(y)
        return F.relu(y + self.shortcut(x))


class Bottleneck(nn.Module):
    r"""The ResNet bottleneck block: 1x1 reduce, 3x3, 1x1 expand, and a shortcut.

    ``in_channels -> mid_channels`` (1x1), ``mid_channels -> mid_channels`` (3x3, with the block's
    stride), ``mid_channels -> mid_channels * expansion`` (1x1), each followed by BatchNorm; ReLU
    after the first two and after the addition. The shortcut is the identity when ``stride == 1``
    and ``in_channels == mid_channels * expansion``, otherwise a strided 1x1 projection with
    BatchNorm. Convolutions have no bias.

    Args:
        in_channels (int): channels of the input.
        mid_channels (int): channels inside the bottleneck (the width of the 3x3 convolution).
        stride (int): stride of the 3x3 convolution and of the projection. Default: 1
        expansion (int): the output has ``mid_channels * expansion`` channels. Default: 4
        use_bn (bool): put BatchNorm after each convolution. ``False`` leaves bare convolutions,
            which is only useful to count their weights. Default: ``True``

    Shape:
        - Input: :math:`(N, C_{in}, H, W)`
        - Output: :math:`(N, C_{mid} \cdot e, H_{out}, W_{out})` with
          :math:`H_{out} = \lfloor (H - 1) / \text{stride} \rfloor + 1`, likewise for :math:`W`.

    Without BatchNorm the block has :math:`C_{in} C_{mid} + 9 C_{mid}^2 + e\, C_{mid}^2` weights,
    plus :math:`e\, C_{in} C_{mid}` for a projection shortcut
    (see :func:`convkit.formulas.separable.bottleneck_params`).

    Examples::

        >>> block = Bottleneck(256, 64)
        >>> block(torch.zeros(1, 256, 14, 14)).shape
        torch.Size([1, 256, 14, 14])
        >>> sum(p.numel() for p in Bottleneck(256, 64, use_bn=False).parameters())
        69632
    """

    def __init__(self, in_channels, mid_channels, stride=1, expansion=4, *, use_bn=True):
        super().__init__()
        in_channels = positive_int(in_channels, "in_channels")
        mid_channels = positive_int(mid_channels, "mid_channels")
        stride = positive_int(stride, "stride")
        expansion = positive_int(expansion, "expansion")
        if not isinstance(use_bn, bool):
            raise TypeError(f"use_bn must be a bool, got {type(use_bn).__name__}")
        out_channels = mid_channels * expansion
        self.in_channels = in_channels
        self.mid_channels = mid_channels
        self.out_channels = out_channels
        self.stride = stride
        self.expansion = expansion
        self.reduce = _conv_bn(in_channels, mid_channels, 1, 1, use_bn)
        self.conv = _conv_bn(mid_channels, mid_channels, 3, stride, use_bn)
        self.expand = _conv_bn(mid_channels, out_channels, 1, 1, use_bn)
        if stride != 1 or in_channels != out_channels:
            self.shortcut: nn.Module = _conv_bn(in_channels, out_channels, 1, stride, use_bn)
        else:
            self.shortcut = nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.relu(self.reduce(x))
        y = F.relu(self.conv(y))
        y = self.expand(y)
        return F.relu(y + self.shortcut(x))


class DepthwiseSeparableConv(nn.Module):
    r"""A depthwise convolution followed by a pointwise (1x1) convolution.

    ``depthwise``: ``Conv2d(in_channels, in_channels, kernel_size, stride, padding, dilation,
    groups=in_channels)`` filters each channel on its own; ``pointwise``:
    ``Conv2d(in_channels, out_channels, 1)`` mixes the channels at every pixel. Both have a bias
    and nothing sits between them, so the block is the factorised replacement of one
    ``Conv2d(in_channels, out_channels, kernel_size, stride, padding, dilation)``.

    Args:
        in_channels (int): channels of the input.
        out_channels (int): channels of the output.
        kernel_size (int): side of the depthwise kernel. Default: 3
        stride (int): stride of the depthwise convolution. Default: 1
        padding (int): zero padding of the depthwise convolution. Default: 1
        dilation (int): dilation of the depthwise convolution. Default: 1

    Shape:
        - Input: :math:`(N, C_{in}, H, W)`
        - Output: :math:`(N, C_{out}, H_{out}, W_{out})` with
          :math:`H_{out} = \left\lfloor \frac{H + 2 \text{padding} -
          \text{dilation}(\text{kernel\_size} - 1) - 1}{\text{stride}} \right\rfloor + 1`,
          likewise for :math:`W`.

    The block has :math:`C_{in} k^2 + C_{in}` (depthwise) :math:`+ C_{in} C_{out} + C_{out}`
    (pointwise) parameters (see :func:`convkit.formulas.separable.depthwise_separable_params`).

    Examples::

        >>> block = DepthwiseSeparableConv(32, 64)
        >>> block(torch.zeros(1, 32, 20, 20)).shape
        torch.Size([1, 64, 20, 20])
        >>> sum(p.numel() for p in block.parameters())
        2432
    """

    def __init__(self, in_channels, out_channels, kernel_size=3, stride=1, padding=1, dilation=1):
        super().__init__()
        in_channels = positive_int(in_channels, "in_channels")
        out_channels = positive_int(out_channels, "out_channels")
        kernel_size = positive_int(kernel_size, "kernel_size")
        stride = positive_int(stride, "stride")
        padding = nonnegative_int(padding, "padding")
        dilation = positive_int(dilation, "dilation")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.depthwise = nn.Conv2d(
            in_channels,
            in_channels,
            kernel_size,
            stride=stride,
            padding=padding,
            dilation=dilation,
            groups=in_channels,
        )
        self.pointwise = nn.Conv2d(in_channels, out_channels, kernel_size=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pointwise(self.depthwise(x))
