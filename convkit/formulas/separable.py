"""Counting helpers for grouped, depthwise, separable and dilated convolutions, and for 1x1 blocks.

Everything here is plain integer arithmetic on layer hyper-parameters (numpy only). The single-layer
counts come from :func:`convkit.conv_params` and :func:`convkit.conv_macs`; this module adds the
rules that combine them:

* which output channel of a grouped convolution sees which input channel
  (:func:`group_connectivity`);
* the parameters and multiply-accumulates of a depthwise-separable convolution
  (:func:`depthwise_separable_params`, :func:`depthwise_separable_macs`);
* the parameters of an Inception block with and without its 1x1 reductions and of a ResNet
  bottleneck (:func:`inception_params`, :func:`naive_inception_params`, :func:`bottleneck_params`).

The tests in ``tests/test_separable.py`` check every formula against PyTorch.
"""

from __future__ import annotations

import numpy as np

from convkit._validation import check_bool, check_groups, positive_int
from convkit.formulas.counting import conv_macs, conv_params

__all__ = [
    "group_connectivity",
    "depthwise_separable_params",
    "depthwise_separable_macs",
    "inception_params",
    "naive_inception_params",
    "bottleneck_params",
]


def _channel_pair(value, name: str) -> tuple[int, int]:
    """A branch's ``(reduce_channels, out_channels)``: a pair is required (no int shorthand)."""
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise TypeError(f"{name} must be a pair (reduce_channels, out_channels), got {value!r}")
    return positive_int(value[0], f"{name}[0]"), positive_int(value[1], f"{name}[1]")


def group_connectivity(in_channels: int, out_channels: int, groups: int = 1) -> np.ndarray:
    r"""Which input channels each output channel of a grouped convolution depends on.

    A convolution with ``groups`` = :math:`G` splits the input channels into :math:`G` consecutive
    blocks of :math:`C_{in}/G` and the output channels into :math:`G` consecutive blocks of
    :math:`C_{out}/G`; output block :math:`g` is computed from input block :math:`g` only.
    So output channel :math:`o` depends on input channel :math:`i` exactly when

    .. math::
        \left\lfloor \frac{o}{C_{out}/G} \right\rfloor = \left\lfloor \frac{i}{C_{in}/G}
        \right\rfloor .

    Args:
        in_channels (int): :math:`C_{in}`, divisible by ``groups``.
        out_channels (int): :math:`C_{out}`, divisible by ``groups``.
        groups (int): :math:`G`. ``groups == in_channels`` is a depthwise convolution. Default: 1

    Returns:
        bool array of shape :math:`(C_{out}, C_{in})`, ``True`` where output channel ``o`` depends
        on input channel ``i``. Each row has :math:`C_{in}/G` entries set.

    Examples::

        >>> group_connectivity(4, 4, groups=2).astype(int)
        array([[1, 1, 0, 0],
               [1, 1, 0, 0],
               [0, 0, 1, 1],
               [0, 0, 1, 1]])
        >>> bool((group_connectivity(3, 3, groups=3) == np.eye(3, dtype=bool)).all())  # depthwise
        True
    """
    in_channels = positive_int(in_channels, "in_channels")
    out_channels = positive_int(out_channels, "out_channels")
    groups = check_groups(groups, in_channels, out_channels)
    out_group = np.arange(out_channels) // (out_channels // groups)
    in_group = np.arange(in_channels) // (in_channels // groups)
    return out_group[:, None] == in_group[None, :]


def depthwise_separable_params(
    in_channels: int, out_channels: int, kernel_size, bias: bool = True
) -> int:
    r"""Parameters of a depthwise convolution followed by a pointwise (1x1) convolution.

    The depthwise stage is ``Conv2d(C_in, C_in, k, groups=C_in)`` and the pointwise stage is
    ``Conv2d(C_in, C_out, 1)``. With a square :math:`k \times k` kernel:

    .. math::
        \underbrace{C_{in} k^2 + C_{in}}_{\text{depthwise}}
        + \underbrace{C_{in} C_{out} + C_{out}}_{\text{pointwise}}

    (drop the two bias terms when ``bias=False``). Compare :math:`C_{in} C_{out} k^2 + C_{out}`
    for one standard convolution: without biases the ratio is :math:`1/C_{out} + 1/k^2`.

    Args:
        in_channels (int): :math:`C_{in}`.
        out_channels (int): :math:`C_{out}`.
        kernel_size (int or tuple): side of the depthwise kernel, or ``(kH, kW)``.
        bias (bool): both stages have a bias. Default: ``True``

    Examples::

        >>> depthwise_separable_params(32, 64, 3)
        2432
        >>> depthwise_separable_params(32, 64, 3, bias=False)
        2336
    """
    in_channels = positive_int(in_channels, "in_channels")
    out_channels = positive_int(out_channels, "out_channels")
    bias = check_bool(bias, "bias")
    depthwise = conv_params(in_channels, in_channels, kernel_size, groups=in_channels, bias=bias)
    pointwise = conv_params(in_channels, out_channels, 1, bias=bias)
    return int(depthwise + pointwise)


def depthwise_separable_macs(
    in_channels: int, out_channels: int, kernel_size, output_size, bias: bool = True
) -> int:
    r"""Multiply-accumulates of a depthwise-separable convolution, counted as in
    :func:`convkit.conv_macs`.

    For an output of :math:`H_{out} \times W_{out}` pixels and a square kernel, the depthwise
    stage costs :math:`C_{in} k^2 H_{out} W_{out}` multiply-accumulates and the pointwise stage
    :math:`C_{in} C_{out} H_{out} W_{out}`; with ``bias=True`` each stage adds the bias counts
    that :func:`convkit.conv_macs` adds for it (one per output value). The standard convolution
    costs :math:`C_{in} C_{out} k^2 H_{out} W_{out}`.

    Args:
        in_channels (int): :math:`C_{in}`.
        out_channels (int): :math:`C_{out}`.
        kernel_size (int or tuple): side of the depthwise kernel, or ``(kH, kW)``.
        output_size (int or tuple): :math:`H_{out} = W_{out}`, or ``(H_out, W_out)``, the size of
            the depthwise output (the pointwise stage keeps it).
        bias (bool): count the bias additions of both stages. Default: ``True``

    Examples::

        >>> depthwise_separable_macs(32, 64, 3, 10, bias=False)  # 32*9*100 + 32*64*100
        233600
    """
    in_channels = positive_int(in_channels, "in_channels")
    out_channels = positive_int(out_channels, "out_channels")
    bias = check_bool(bias, "bias")
    depthwise = conv_macs(
        in_channels, in_channels, kernel_size, output_size, groups=in_channels, bias=bias
    )
    pointwise = conv_macs(in_channels, out_channels, 1, output_size, bias=bias)
    return int(depthwise + pointwise)


def inception_params(in_channels: int, c1: int, c2, c3, c4: int, bias: bool = True) -> int:
    r"""Parameters of an Inception block with 1x1 reductions
    (:class:`convkit.models.blocks.Inception`).

    .. math::
        C_{in} c_1 + (C_{in} c_2[0] + 9\, c_2[0] c_2[1]) + (C_{in} c_3[0] + 25\, c_3[0] c_3[1]) +
        C_{in} c_4

    weights, plus one bias per output channel of each of the six convolutions,
    :math:`c_1 + c_2[0] + c_2[1] + c_3[0] + c_3[1] + c_4`, when ``bias=True``.

    Args:
        in_channels (int): :math:`C_{in}`.
        c1 (int): output channels of the 1x1 branch.
        c2 (tuple[int, int]): ``(reduce, out)`` channels of the 3x3 branch.
        c3 (tuple[int, int]): ``(reduce, out)`` channels of the 5x5 branch.
        c4 (int): output channels of the 1x1 convolution after the max-pool.
        bias (bool): count the biases. Default: ``True``

    Examples::

        >>> inception_params(192, 64, (96, 128), (16, 32), 32)  # GoogLeNet's block 3a
        163696
        >>> inception_params(192, 64, (96, 128), (16, 32), 32, bias=False)
        163328
    """
    in_channels = positive_int(in_channels, "in_channels")
    c1 = positive_int(c1, "c1")
    c2 = _channel_pair(c2, "c2")
    c3 = _channel_pair(c3, "c3")
    c4 = positive_int(c4, "c4")
    bias = check_bool(bias, "bias")
    total = (
        conv_params(in_channels, c1, 1, bias=bias)
        + conv_params(in_channels, c2[0], 1, bias=bias)
        + conv_params(c2[0], c2[1], 3, bias=bias)
        + conv_params(in_channels, c3[0], 1, bias=bias)
        + conv_params(c3[0], c3[1], 5, bias=bias)
        + conv_params(in_channels, c4, 1, bias=bias)
    )
    return int(total)


def naive_inception_params(in_channels: int, c1: int, c2: int, c3: int, bias: bool = True) -> int:
    r"""Parameters of the naive Inception block: 1x1, 3x3 and 5x5 convolutions straight on the
    input.

    The naive block runs ``Conv2d(C_in, c1, 1)``, ``Conv2d(C_in, c2, 3)`` and ``Conv2d(C_in, c3,
    5)``
    side by side with a 3x3 max-pool, which has no parameters (and passes all :math:`C_{in}`
    channels through):

    .. math::
        C_{in} (c_1 + 9 c_2 + 25 c_3) \;+\; (c_1 + c_2 + c_3) \text{ biases when }
        \texttt{bias=True}.

    Args:
        in_channels (int): :math:`C_{in}`.
        c1 (int): output channels of the 1x1 convolution.
        c2 (int): output channels of the 3x3 convolution.
        c3 (int): output channels of the 5x5 convolution.
        bias (bool): count the biases. Default: ``True``

    Examples::

        >>> naive_inception_params(192, 64, 128, 32, bias=False)
        387072
    """
    in_channels = positive_int(in_channels, "in_channels")
    c1 = positive_int(c1, "c1")
    c2 = positive_int(c2, "c2")
    c3 = positive_int(c3, "c3")
    bias = check_bool(bias, "bias")
    total = (
        conv_params(in_channels, c1, 1, bias=bias)
        + conv_params(in_channels, c2, 3, bias=bias)
        + conv_params(in_channels, c3, 5, bias=bias)
    )
    return int(total)


def bottleneck_params(
    in_channels: int, mid_channels: int, stride: int = 1, expansion: int = 4
) -> int:
    r"""Weights of the bias-free convolutions of a ResNet bottleneck
    (:class:`convkit.models.blocks.Bottleneck`).

    1x1 ``C_in -> C_mid``, 3x3 ``C_mid -> C_mid``, 1x1 ``C_mid -> e C_mid``, and a 1x1 projection
    ``C_in -> e C_mid`` when ``stride != 1`` or :math:`C_{in} \ne e\, C_{mid}`:

    .. math::
        C_{in} C_{mid} + 9 C_{mid}^2 + e\, C_{mid}^2 \;[+\; e\, C_{in} C_{mid}]

    BatchNorm parameters are not counted (``Bottleneck(..., use_bn=False)`` has exactly these).

    Args:
        in_channels (int): :math:`C_{in}`.
        mid_channels (int): :math:`C_{mid}`.
        stride (int): stride of the block; only decides whether there is a projection. Default: 1
        expansion (int): :math:`e`. Default: 4

    Examples::

        >>> bottleneck_params(256, 64)  # 256*64 + 64*64*9 + 64*256
        69632
        >>> bottleneck_params(64, 64)  # 64 -> 256 needs a projection
        73728
    """
    in_channels = positive_int(in_channels, "in_channels")
    mid_channels = positive_int(mid_channels, "mid_channels")
    stride = positive_int(stride, "stride")
    expansion = positive_int(expansion, "expansion")
    out_channels = mid_channels * expansion
    total = (
        conv_params(in_channels, mid_channels, 1, bias=False)
        + conv_params(mid_channels, mid_channels, 3, bias=False)
        + conv_params(mid_channels, out_channels, 1, bias=False)
    )
    if stride != 1 or in_channels != out_channels:
        total += conv_params(in_channels, out_channels, 1, bias=False)
    return int(total)
