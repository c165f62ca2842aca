r"""im2col in numpy: ``unfold`` (every receptive field as a column) and a convolution made of it.

A 2-D convolution is a sum over the :math:`C \cdot k_h \cdot k_w` input values under each output
position. :func:`unfold` copies those values into the column of a matrix, one column per output
position ("im2col"); the convolution is then one matrix product of the weight, seen as a
:math:`(C_{out}, C \cdot k_h \cdot k_w)` matrix, with that matrix (:func:`conv2d_unfold`).
The product is what BLAS libraries do fastest; the price is memory: each input value is copied
once for every window that covers it, about :math:`k_h k_w / (s_h s_w)` times.

The fast path of :func:`convkit.conv2d` works this way in blocks without making the whole matrix;
these two functions make it whole, to be read and measured.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from convkit._validation import as_float_array, check_ndim, nonnegative_tuple, positive_tuple

__all__ = ["unfold", "conv2d_unfold"]


def _out_sizes(h, w, k, d, p, s, name="input"):
    out = []
    for n, kk, dd, pp, ss, axis in zip((h, w), k, d, p, s, ("height", "width"), strict=True):
        span = dd * (kk - 1) + 1
        if n + 2 * pp < span:
            raise ValueError(
                f"{name} {axis} {n} plus padding 2 * {pp} is smaller than the dilated kernel "
                f"span {span}"
            )
        out.append((n + 2 * pp - span) // ss + 1)
    return tuple(out)


def unfold(
    input: Any, kernel_size: Any, dilation: Any = 1, padding: Any = 0, stride: Any = 1
) -> np.ndarray:
    r"""Extract every sliding block of a batched image as a column (im2col).

    The numpy twin of :func:`torch.nn.functional.unfold` (same argument order). Column
    :math:`l` of sample :math:`n` holds the input values that output position :math:`l` of a
    convolution with this geometry sees, channel by channel, each channel's
    :math:`k_h \times k_w` window in row-major order:

    .. math::
        \text{out}(n, c k_h k_w + a k_w + b, i W_{out} + j) =
        \text{input}_{\text{padded}}(n, c, i s_h + a d_h, j s_w + b d_w).

    Args:
        input: array of shape :math:`(N, C, H, W)` or unbatched :math:`(C, H, W)`.
        kernel_size: the size of the sliding blocks, an int or a tuple ``(kH, kW)``.
        dilation: the spacing between the elements of a block, an int or a tuple. Default: 1
        padding: zeros added on both sides of the height and width, an int or a tuple.
            Default: 0
        stride: the step of the sliding blocks, an int or a tuple. Default: 1

    Shape:
        - Input: :math:`(N, C, H, W)` or :math:`(C, H, W)`
        - Output: :math:`(N, C \times k_h \times k_w, L)` or :math:`(C \times k_h \times k_w, L)`,
          where :math:`L = H_{out} \times W_{out}` and

          .. math::
              H_{out} = \left\lfloor\frac{H + 2 \times \text{padding}[0] - \text{dilation}[0]
                        \times (k_h - 1) - 1}{\text{stride}[0]}\right\rfloor + 1

          and :math:`W_{out}` the same with index 1.

    Returns:
        a new (contiguous) numpy.ndarray of the input's float dtype (float64 for integers).

    Examples::

        >>> x = np.arange(9.0).reshape(1, 1, 3, 3)
        >>> unfold(x, 2)
        array([[[0., 1., 3., 4.],
                [1., 2., 4., 5.],
                [3., 4., 6., 7.],
                [4., 5., 7., 8.]]])
        >>> unfold(np.ones((2, 3, 8, 8)), (3, 2), padding=1, stride=2).shape
        (2, 18, 20)
        >>> unfold(np.ones((3, 5, 5)), 3, dilation=2).shape
        (27, 1)
    """
    x = as_float_array(input, "input")
    check_ndim(x, (3, 4), "input", "(C, H, W) or (N, C, H, W)")
    unbatched = x.ndim == 3
    if unbatched:
        x = x[None]
    k = positive_tuple(kernel_size, 2, "kernel_size")
    d = positive_tuple(dilation, 2, "dilation")
    p = nonnegative_tuple(padding, 2, "padding")
    s = positive_tuple(stride, 2, "stride")
    n, c, h, w = x.shape
    oh, ow = _out_sizes(h, w, k, d, p, s)
    if p != (0, 0):
        xp = np.zeros((n, c, h + 2 * p[0], w + 2 * p[1]), dtype=x.dtype)
        xp[:, :, p[0] : p[0] + h, p[1] : p[1] + w] = x
    else:
        xp = x
    span = (d[0] * (k[0] - 1) + 1, d[1] * (k[1] - 1) + 1)
    win = sliding_window_view(xp, span, axis=(2, 3))  # (N, C, H', W', spanH, spanW)
    win = win[:, :, : (oh - 1) * s[0] + 1 : s[0], : (ow - 1) * s[1] + 1 : s[1], :: d[0], :: d[1]]
    # (N, C, oh, ow, kh, kw) -> (N, C, kh, kw, oh, ow) -> (N, C*kh*kw, L): reshape copies
    cols = win.transpose(0, 1, 4, 5, 2, 3).reshape(n, c * k[0] * k[1], oh * ow)
    return cols[0] if unbatched else cols


def conv2d_unfold(
    input: Any, weight: Any, bias: Any = None, stride: Any = 1, padding: Any = 0, dilation: Any = 1
) -> np.ndarray:
    r"""A 2-D convolution as one matrix product with the unfolded input (im2col).

    Computes what :func:`convkit.conv2d` computes (``groups=1``, zero padding) as
    ``weight.reshape(C_out, -1) @ unfold(input, ...)``, then folds the :math:`L` columns back
    into an :math:`H_{out} \times W_{out}` map.

    Args:
        input: array of shape :math:`(N, C_{in}, H, W)` or unbatched :math:`(C_{in}, H, W)`.
        weight: filters of shape :math:`(C_{out}, C_{in}, k_h, k_w)`.
        bias: optional bias of shape :math:`(C_{out})`. Default: ``None``
        stride: an int or a tuple ``(sH, sW)``. Default: 1
        padding: zeros on both sides, an int or a tuple ``(padH, padW)``. Default: 0
        dilation: an int or a tuple ``(dH, dW)``. Default: 1

    Shape:
        - Input: :math:`(N, C_{in}, H, W)` or :math:`(C_{in}, H, W)`
        - Output: :math:`(N, C_{out}, H_{out}, W_{out})` or :math:`(C_{out}, H_{out}, W_{out})`
          with :math:`H_{out}, W_{out}` as in :func:`unfold`.

    Examples::

        >>> x = np.arange(9.0).reshape(1, 1, 3, 3)
        >>> w = np.array([[[[0.0, 1.0], [2.0, 3.0]]]])
        >>> conv2d_unfold(x, w)
        array([[[[19., 25.],
                 [37., 43.]]]])
        >>> conv2d_unfold(x, w, bias=np.array([1.0]), padding=1, stride=2)
        array([[[[ 1.,  9.],
                 [22., 44.]]]])
    """
    x = as_float_array(input, "input")
    check_ndim(x, (3, 4), "input", "(C, H, W) or (N, C, H, W)")
    unbatched = x.ndim == 3
    if unbatched:
        x = x[None]
    wt = as_float_array(weight, "weight")
    check_ndim(wt, (4,), "weight", "(C_out, C_in, kH, kW)")
    if wt.shape[1] != x.shape[1]:
        raise ValueError(
            f"weight has {wt.shape[1]} input channels but input has {x.shape[1]} channels"
        )
    c_out, _, kh, kw = wt.shape
    cols = unfold(x, (kh, kw), dilation=dilation, padding=padding, stride=stride)
    s = positive_tuple(stride, 2, "stride")
    d = positive_tuple(dilation, 2, "dilation")
    p = nonnegative_tuple(padding, 2, "padding")
    oh, ow = _out_sizes(x.shape[2], x.shape[3], (kh, kw), d, p, s)
    out = wt.reshape(c_out, -1) @ cols  # (C_out, CK) @ (N, CK, L) -> (N, C_out, L)
    out = out.reshape(x.shape[0], c_out, oh, ow)
    if bias is not None:
        b = as_float_array(bias, "bias")
        if b.shape != (c_out,):
            raise ValueError(f"bias must have shape ({c_out},), got {b.shape}")
        out = out + b[None, :, None, None]
    return out[0] if unbatched else out
