r"""Counting a convolution's parameters and multiply-accumulates (MACs, not FLOPs).

Conventions, used by every function here:

* **Parameters** of a convolution layer: the weight,
  :math:`C_{out} \times \frac{C_{in}}{\text{groups}} \times \prod_i k_i`, plus
  :math:`C_{out}` bias terms when ``bias=True``. This is exactly
  ``sum(p.numel() for p in torch.nn.Conv2d(...).parameters())``.
* **MACs** (multiply-accumulates): one MAC is one multiplication followed by
  one addition into an accumulator. Each output element of a convolution is a
  dot product of length :math:`\frac{C_{in}}{\text{groups}} \times \prod_i k_i`, so

  .. math::
      \text{MACs} = \underbrace{N \times C_{out} \times \prod_i \text{out}_i}_{\text{output
      elements}}
                    \times \frac{C_{in}}{\text{groups}} \times \prod_i k_i .

  With ``bias=True`` each output element also gets one bias addition, counted
  as one more MAC (``+ output elements``); pass ``bias=False`` for the
  textbook formula above.

  The course counts MACs and calls them MACs. **FLOPs** (floating-point
  operations) count the multiplication and the addition separately, so
  :math:`\text{FLOPs} = 2 \times \text{MACs}`: that is what
  :class:`torch.utils.flop_counter.FlopCounterMode` reports for a convolution
  (it leaves out the bias). Some papers and tables call the MAC count itself
  "FLOPs"; check which one a number means before comparing.

Integer ``kernel_size``/``output_size`` are repeated over the spatial
dimensions. The number of spatial dimensions is the length of any tuple
argument; with no tuple at all it is ``ndim`` (default 2, a ``Conv2d``).
"""

from __future__ import annotations

from math import prod
from typing import Any

from convkit._validation import (
    check_bool,
    check_groups,
    nonnegative_int,
    positive_int,
    positive_tuple,
)

__all__ = ["conv_params", "conv_macs"]


def _spatial_ndim(ndim: Any, **named: Any) -> int:
    """The number of spatial dimensions implied by the tuple arguments (or ``ndim``)."""
    lengths = {name: len(v) for name, v in named.items() if isinstance(v, (tuple, list))}
    if len(set(lengths.values())) > 1:
        raise ValueError(
            f"kernel_size and output_size must have the same length, got lengths {lengths}"
        )
    if ndim is not None:
        ndim = positive_int(ndim, "ndim")
        if lengths and next(iter(lengths.values())) != ndim:
            raise ValueError(f"ndim={ndim} does not match the tuple lengths {lengths}")
        return ndim
    return next(iter(lengths.values())) if lengths else 2


def conv_params(
    in_channels: int,
    out_channels: int,
    kernel_size: Any,
    groups: int = 1,
    bias: bool = True,
    *,
    ndim: int | None = None,
) -> int:
    r"""Number of learnable parameters of a ``ConvNd`` layer.

    .. math::
        \text{params} = C_{out} \times \frac{C_{in}}{\text{groups}} \times \prod_i k_i
                        \;+\; C_{out} \ [\text{if bias}]

    The arguments are those of :class:`torch.nn.Conv2d` (same names, same
    order). Grouping divides the weight count by ``groups``; a depthwise
    convolution (``groups = in_channels``) has :math:`C_{out} \prod_i k_i` weights.

    Args:
        in_channels (int): :math:`C_{in}`.
        out_channels (int): :math:`C_{out}`.
        kernel_size (int or tuple): an int ``k`` means ``k`` in every spatial
            dimension; a tuple gives each one (its length is the dimensionality).
        groups (int): must divide both channel counts. Default: 1
        bias (bool): count the :math:`C_{out}` bias terms. Default: ``True``
        ndim (int, keyword-only): spatial dimensions for an int ``kernel_size``
            (1 for Conv1d, 3 for Conv3d). Default: the tuple's length, else 2.

    Returns:
        int

    Examples::

        >>> conv_params(3, 64, 3)                       # Conv2d(3, 64, 3): 64*3*9 + 64
        1792
        >>> (conv_params(256, 64, 1, bias=False)  # 1x1 bottleneck ends
        ...  + conv_params(64, 256, 1, bias=False))
        32768
        >>> conv_params(32, 32, 3, groups=32)           # depthwise 3x3
        320
        >>> conv_params(4, 8, (3, 3, 3))                # Conv3d: the tuple sets the dimensionality
        872
        >>> conv_params(4, 8, 3, ndim=1)                # Conv1d(4, 8, 3)
        104
    """
    groups = check_groups(groups, in_channels, out_channels)
    bias = check_bool(bias, "bias")
    n = _spatial_ndim(ndim, kernel_size=kernel_size)
    ks = positive_tuple(kernel_size, n, "kernel_size")
    weights = out_channels * (in_channels // groups) * prod(ks)
    return weights + (out_channels if bias else 0)


def conv_macs(
    in_channels: int,
    out_channels: int,
    kernel_size: Any,
    output_size: Any,
    groups: int = 1,
    bias: bool = True,
    *,
    batch_size: int = 1,
    ndim: int | None = None,
) -> int:
    r"""Multiply-accumulates (MACs) of one ``ConvNd`` forward pass.

    .. math::
        \text{MACs} = \underbrace{N \times C_{out} \times \prod_i \text{out}_i}_{\text{output
        elements}}
                      \times \frac{C_{in}}{\text{groups}} \times \prod_i k_i
                      \;+\; \text{output elements} \ [\text{if bias}]

    Every output element is a dot product of length
    :math:`\frac{C_{in}}{\text{groups}} \prod_i k_i` (one MAC per term); with a
    bias it gets one more addition, counted as one MAC. ``bias=False`` gives the
    usual textbook count. FLOPs are twice the MACs:
    ``2 * conv_macs(..., bias=False)`` is what
    :class:`torch.utils.flop_counter.FlopCounterMode` reports. Stride, padding and dilation only
    enter
    through ``output_size`` (see :func:`convkit.conv_output_size`).

    Args:
        in_channels (int): :math:`C_{in}`.
        out_channels (int): :math:`C_{out}`.
        kernel_size (int or tuple): the kernel size, as in :func:`conv_params`.
        output_size (int or tuple): the *spatial* size of the output, e.g. ``(H_out, W_out)``.
        groups (int): Default: 1
        bias (bool): add one MAC per output element for the bias. Default: ``True``
        batch_size (int, keyword-only): :math:`N`. Default: 1
        ndim (int, keyword-only): spatial dimensions when both sizes are ints. Default: 2

    Returns:
        int

    Examples::

        >>> conv_macs(3, 64, 3, (32, 32), bias=False)          # 64*32*32 outputs x 27 MACs each
        1769472
        >>> conv_macs(3, 64, 3, 32)                            # + 64*32*32 bias additions
        1835008
        >>> # depthwise-separable 3x3 (32 -> 64 channels) vs a standard 3x3, on a 56x56 output
        >>> dw = conv_macs(32, 32, 3, 56, groups=32, bias=False)
        >>> pw = conv_macs(32, 64, 1, 56, bias=False)
        >>> std = conv_macs(32, 64, 3, 56, bias=False)
        >>> round(std / (dw + pw), 2)
        7.89
    """
    groups = check_groups(groups, in_channels, out_channels)
    bias = check_bool(bias, "bias")
    batch_size = nonnegative_int(batch_size, "batch_size")
    n = _spatial_ndim(ndim, kernel_size=kernel_size, output_size=output_size)
    ks = positive_tuple(kernel_size, n, "kernel_size")
    outs = positive_tuple(output_size, n, "output_size")
    out_elements = batch_size * out_channels * prod(outs)
    macs = out_elements * (in_channels // groups) * prod(ks)
    return macs + (out_elements if bias else 0)
