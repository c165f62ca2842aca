r"""Pooling in numpy: max, average, adaptive average and max unpooling.

Every function follows :mod:`torch.nn.functional` (names, argument order,
defaults, output sizes and argument checks) and works on ``(N, C, H, W)`` or
unbatched ``(C, H, W)`` arrays. Pooling acts on each channel on its own, so the
number of channels never changes.

The windows are read with :func:`numpy.lib.stride_tricks.sliding_window_view`,
so no Python loop runs over pixels.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from convkit._validation import (
    as_real_array,
    check_bool,
    check_int,
    check_ndim,
    nonnegative_tuple,
    ntuple,
    positive_tuple,
)

__all__ = [
    "pool_output_size",
    "max_pool2d",
    "avg_pool2d",
    "adaptive_avg_pool2d",
    "max_unpool2d",
]


# --------------------------------------------------------------------------- argument checks


def _geometry(kernel_size, stride, padding, dilation=1):
    """Check pooling hyper-parameters as torch does and return them as pairs."""
    k = positive_tuple(kernel_size, 2, "kernel_size")
    if stride is None or (isinstance(stride, (tuple, list)) and len(stride) == 0):
        s = k
    else:
        s = positive_tuple(stride, 2, "stride")
    p = nonnegative_tuple(padding, 2, "padding")
    d = positive_tuple(dilation, 2, "dilation")
    if p[0] > k[0] // 2 or p[1] > k[1] // 2:
        raise ValueError(
            f"padding should be at most half of kernel_size, got padding={padding!r}, "
            f"kernel_size={kernel_size!r}"
        )
    return k, s, p, d


def _as_input(input, name: str = "input") -> tuple[np.ndarray, bool]:
    """Return a 4-D view of ``input`` and whether it came without a batch axis."""
    x = as_real_array(input, name)
    check_ndim(x, (3, 4), name, "(C, H, W) or (N, C, H, W)")
    if x.shape[-1] == 0 or x.shape[-2] == 0:
        raise ValueError(f"{name} must have non-zero height and width, got shape {x.shape}")
    unbatched = x.ndim == 3
    return (x[None] if unbatched else x), unbatched


def _out_len(n: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> int:
    """torch's ``pooling_output_shape`` for one axis (may return < 1; callers check)."""
    span = d * (k - 1) + 1
    num = n + 2 * p - span + ((s - 1) if ceil_mode else 0)
    out = num // s + 1  # Python's // rounds towards -inf, like torch's div_rtn
    if ceil_mode and (out - 1) * s >= n + p:
        # The last window must start inside the input or inside the left padding.
        out -= 1
    return out


def pool_output_size(input_size, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
    r"""Spatial output size of a pooling layer, with torch's rounding rule.

    .. math::
        \text{out} = \left\lfloor \frac{\text{in} + 2p - d(k-1) - 1 + c\,(s-1)}{s} \right\rfloor + 1

    with :math:`c = 1` when ``ceil_mode`` is true (then the result is the ceiling
    instead of the floor of the fraction) and :math:`c = 0` otherwise. In
    ceil mode, a last window that would start beyond the input and its left
    padding, i.e. :math:`(\text{out}-1)s \ge \text{in} + p`, is dropped.

    Args:
        input_size (int or tuple): height (and width) of the input.
        kernel_size (int or tuple): window size.
        stride (int or tuple, optional): step between windows. Default: ``kernel_size``.
        padding (int or tuple, optional): implicit padding on each side, at most
            ``kernel_size // 2``. Default: 0.
        dilation (int or tuple, optional): spacing between window elements. Default: 1.
        ceil_mode (bool, optional): round up instead of down. Default: ``False``.

    Returns:
        An int if ``input_size`` is an int, otherwise a tuple of two ints.

    Raises:
        ValueError: if a size is not positive, the padding exceeds half the
            kernel, or the output would be empty.

    Examples::

        >>> pool_output_size(5, 2)
        2
        >>> pool_output_size(5, 2, ceil_mode=True)
        3
        >>> pool_output_size((28, 27), 3, stride=2, padding=1)
        (14, 14)
    """
    scalar = not isinstance(input_size, (tuple, list, np.ndarray))
    n = positive_tuple(input_size, 2, "input_size")
    ceil_mode = check_bool(ceil_mode, "ceil_mode")
    k, s, p, d = _geometry(kernel_size, stride, padding, dilation)
    out = tuple(_out_len(n[i], k[i], s[i], p[i], d[i], bool(ceil_mode)) for i in range(2))
    if min(out) < 1:
        raise ValueError(
            f"input_size {input_size!r} is too small for kernel_size={kernel_size!r}, "
            f"padding={padding!r}, dilation={dilation!r}: output "
            f"size would be {out if not scalar else out[0]}"
        )
    return out[0] if scalar else out


def _windows(x: np.ndarray, k, s, d, out):
    """View of shape (N, C, oH, oW, kH, kW) on a padded 4-D array."""
    span = (d[0] * (k[0] - 1) + 1, d[1] * (k[1] - 1) + 1)
    w = sliding_window_view(x, span, axis=(-2, -1))
    return w[
        :, :, : (out[0] - 1) * s[0] + 1 : s[0], : (out[1] - 1) * s[1] + 1 : s[1], :: d[0], :: d[1]
    ]


def _padded(x: np.ndarray, k, s, p, d, out, value):
    """Pad ``x`` by ``p`` on the top/left and enough on the bottom/right for ``out`` windows."""
    H, W = x.shape[-2:]
    need = [(out[i] - 1) * s[i] + d[i] * (k[i] - 1) + 1 for i in range(2)]
    extra = [max(0, need[0] - H - p[0]), max(0, need[1] - W - p[1])]
    return np.pad(x, ((0, 0), (0, 0), (p[0], extra[0]), (p[1], extra[1])), constant_values=value)


def _avg_divisor(size, out, k, s, p, count_include_pad: bool) -> np.ndarray:
    """The ``(H_out, W_out)`` divisors of :func:`avg_pool2d`: a product of one count per axis
    (torch's pool_size / clipped window), each window's size with or without its padding."""
    counts = []
    for axis, n in enumerate(size):
        start = np.arange(out[axis]) * s[axis] - p[axis]
        end = np.minimum(start + k[axis], n + p[axis])
        if count_include_pad:
            counts.append(end - start)
        else:
            counts.append(np.minimum(end, n) - np.maximum(start, 0))
    return counts[0][:, None] * counts[1][None, :]


def max_pool2d(
    input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False
):
    r"""2-D max pooling over each channel, as :func:`torch.nn.functional.max_pool2d`.

    .. math::
        \text{out}(n, c, h, w) = \max_{i < k_H,\ j < k_W}
            \text{input}(n, c,\ s_H h - p_H + d_H i,\ s_W w - p_W + d_W j)

    where positions outside the input (the implicit padding) never win. A NaN
    in a window wins (the last NaN in row-major order gives the index); among
    equal maxima the first in row-major order gives the index.

    Args:
        input (ndarray): ``(N, C, H, W)`` or ``(C, H, W)``, int or float.
        kernel_size (int or tuple): window size.
        stride (int or tuple, optional): step between windows. Default: ``kernel_size``.
        padding (int or tuple, optional): implicit ``-inf`` padding on each side,
            at most ``kernel_size // 2``. Default: 0.
        dilation (int or tuple, optional): spacing between window elements. Default: 1.
        ceil_mode (bool, optional): use the ceiling in the output size. Default: ``False``.
        return_indices (bool, optional): also return, for each output, the flat
            index ``h * W + w`` of the maximum in its ``H x W`` input plane. Default: ``False``.

    Shape:
        - Input: :math:`(N, C, H_{in}, W_{in})` or :math:`(C, H_{in}, W_{in})`.
        - Output: :math:`(N, C, H_{out}, W_{out})` or :math:`(C, H_{out}, W_{out})`, where

          .. math::
              H_{out} = \left\lfloor \frac{H_{in} + 2p_H - d_H (k_H - 1) - 1}{s_H} \right\rfloor + 1

          and likewise for :math:`W_{out}` (see :func:`pool_output_size` for ``ceil_mode``).
        - Indices (if requested): same shape as the output, dtype ``int64``.

    Examples::

        >>> x = np.arange(9.0).reshape(1, 3, 3)
        >>> max_pool2d(x, 2, stride=1)
        array([[[4., 5.],
                [7., 8.]]])
        >>> max_pool2d(x, 2, stride=2, ceil_mode=True)
        array([[[4., 5.],
                [7., 8.]]])
        >>> out, idx = max_pool2d(x, 2, return_indices=True)
        >>> out, idx
        (array([[[4.]]]), array([[[4]]]))
    """
    x, unbatched = _as_input(input)
    k, s, p, d = _geometry(kernel_size, stride, padding, dilation)
    out = pool_output_size(tuple(x.shape[-2:]), k, s, p, d, ceil_mode)
    H, W = x.shape[-2:]
    fill = -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min
    xp = _padded(x, k, s, p, d, out, fill)
    win = _windows(xp, k, s, d, out)  # (N, C, oH, oW, kH, kW), a view
    flat = win.reshape(win.shape[:4] + (-1,))
    values = flat.max(axis=-1)
    result = values
    indices = None
    if return_indices:
        # Which window positions are real input pixels (padding never wins, even against -inf).
        valid = _padded(np.ones((1, 1, H, W), dtype=bool), k, s, p, d, out, False)
        vwin = _windows(valid, k, s, d, out).reshape(1, 1, out[0], out[1], -1)
        nan_win = np.isnan(flat) if x.dtype.kind == "f" else np.zeros(flat.shape, dtype=bool)
        has_nan = nan_win.any(axis=-1)
        # torch keeps the first maximum, but the last NaN (its test is ``val > max || isnan(val)``).
        first_max = np.argmax(vwin & (flat == values[..., None]), axis=-1)
        last_nan = flat.shape[-1] - 1 - np.argmax(nan_win[..., ::-1], axis=-1)
        pos = np.where(has_nan, last_nan, first_max)
        i, j = np.divmod(pos, k[1])
        rows = np.arange(out[0])[:, None] * s[0] - p[0] + i * d[0]
        cols = np.arange(out[1])[None, :] * s[1] - p[1] + j * d[1]
        indices = (rows * W + cols).astype(np.int64)
    if unbatched:
        result = result[0]
        indices = None if indices is None else indices[0]
    return (result, indices) if return_indices else result


def avg_pool2d(
    input,
    kernel_size,
    stride=None,
    padding=0,
    ceil_mode=False,
    count_include_pad=True,
    divisor_override=None,
):
    r"""2-D average pooling over each channel, as :func:`torch.nn.functional.avg_pool2d`.

    Each output is the sum of the input pixels in its window divided by

    - ``divisor_override`` if it is given, else
    - the number of window positions inside the zero-padded input (``count_include_pad=True``;
      in ceil mode a window can reach past the padding and those positions are not counted), else
    - the number of real input pixels in the window (``count_include_pad=False``).

    Args:
        input (ndarray): ``(N, C, H, W)`` or ``(C, H, W)``. Integer inputs are
            averaged in float64 (torch would truncate them).
        kernel_size (int or tuple): window size.
        stride (int or tuple, optional): step between windows. Default: ``kernel_size``.
        padding (int or tuple, optional): implicit zero padding on each side, at
            most ``kernel_size // 2``. Default: 0.
        ceil_mode (bool, optional): use the ceiling in the output size. Default: ``False``.
        count_include_pad (bool, optional): count padded zeros in the divisor. Default: ``True``.
        divisor_override (int, optional): a fixed non-zero divisor. Default: ``None``.

    Shape:
        - Input: :math:`(N, C, H_{in}, W_{in})` or :math:`(C, H_{in}, W_{in})`.
        - Output: :math:`(N, C, H_{out}, W_{out})` or :math:`(C, H_{out}, W_{out})`, where

          .. math::
              H_{out} = \left\lfloor \frac{H_{in} + 2p_H - k_H}{s_H} \right\rfloor + 1

          and likewise for :math:`W_{out}` (see :func:`pool_output_size` for ``ceil_mode``).

    Examples::

        >>> x = np.arange(16.0).reshape(1, 4, 4)
        >>> avg_pool2d(x, 2)
        array([[[ 2.5,  4.5],
                [10.5, 12.5]]])
        >>> avg_pool2d(np.ones((1, 2, 2)), 2, stride=1, padding=1)
        array([[[0.25, 0.5 , 0.25],
                [0.5 , 1.  , 0.5 ],
                [0.25, 0.5 , 0.25]]])
        >>> avg_pool2d(np.ones((1, 2, 2)), 2, stride=1, padding=1, count_include_pad=False)
        array([[[1., 1., 1.],
                [1., 1., 1.],
                [1., 1., 1.]]])
    """
    x, unbatched = _as_input(input)
    if x.dtype.kind != "f":
        x = x.astype(np.float64)
    k, s, p, _ = _geometry(kernel_size, stride, padding, 1)
    if divisor_override is not None and check_int(divisor_override, "divisor_override") == 0:
        raise ValueError("divisor_override must not be zero")
    out = pool_output_size(tuple(x.shape[-2:]), k, s, p, 1, ceil_mode)
    xp = _padded(x, k, s, p, (1, 1), out, 0)
    sums = _windows(xp, k, s, (1, 1), out).sum(axis=(-2, -1))
    if divisor_override is not None:
        result = sums / divisor_override
    else:
        divisor = _avg_divisor(tuple(x.shape[-2:]), out, k, s, p, count_include_pad)
        result = sums / divisor.astype(x.dtype)
    result = result.astype(x.dtype, copy=False)
    return result[0] if unbatched else result


def adaptive_avg_pool2d(input, output_size):
    r"""Average pooling to a fixed output size, as :func:`torch.nn.functional.adaptive_avg_pool2d`.

    Output row :math:`i` of :math:`H_{out}` averages input rows
    :math:`\lfloor i H_{in} / H_{out} \rfloor` up to (excluding)
    :math:`\lceil (i+1) H_{in} / H_{out} \rceil`; likewise for columns. The
    windows may differ in size and overlap. ``output_size=1`` is global average
    pooling: the mean of each channel.

    Args:
        input (ndarray): ``(N, C, H, W)`` or ``(C, H, W)``.
        output_size (int or tuple): ``H_out`` (and ``W_out``); ``None`` in the
            tuple keeps that input size.

    Shape:
        - Input: :math:`(N, C, H_{in}, W_{in})` or :math:`(C, H_{in}, W_{in})`.
        - Output: :math:`(N, C, H_{out}, W_{out})` or :math:`(C, H_{out}, W_{out})`.

    Examples::

        >>> x = np.arange(25.0).reshape(1, 5, 5)
        >>> adaptive_avg_pool2d(x, 1)
        array([[[12.]]])
        >>> adaptive_avg_pool2d(x, (2, 3))
        array([[[ 5.5,  7. ,  8.5],
                [15.5, 17. , 18.5]]])
    """
    x, unbatched = _as_input(input)
    if x.dtype.kind != "f":
        x = x.astype(np.float64)
    if isinstance(output_size, (tuple, list)) and len(output_size) == 2:
        size = tuple(
            x.shape[-2 + i] if output_size[i] is None else output_size[i] for i in range(2)
        )
    else:
        size = output_size
    size = positive_tuple(size, 2, "output_size")
    result = x
    for axis in (-2, -1):
        n, m = result.shape[axis], size[axis]
        i = np.arange(m)
        start = (i * n) // m
        end = -((-(i + 1) * n) // m)  # ceil((i + 1) * n / m)
        csum = np.cumsum(result, axis=axis, dtype=np.float64)
        zero = np.zeros_like(np.take(csum, [0], axis=axis))
        csum = np.concatenate([zero, csum], axis=axis)
        span = (end - start).astype(np.float64)
        shape = [1] * result.ndim
        shape[axis] = m
        result = (np.take(csum, end, axis=axis) - np.take(csum, start, axis=axis)) / span.reshape(
            shape
        )
    result = result.astype(x.dtype, copy=False)
    return result[0] if unbatched else result


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    r"""Partial inverse of :func:`max_pool2d`, as :func:`torch.nn.functional.max_unpool2d`.

    Each value of ``input`` is written at the flat position ``indices`` gives
    in its output plane; every other output is zero.

    Args:
        input (ndarray): pooled values, ``(N, C, H_in, W_in)`` or ``(C, H_in, W_in)``.
        indices (ndarray of int): same shape, the indices returned by
            ``max_pool2d(..., return_indices=True)``.
        kernel_size (int or tuple): window size of the pooling being undone.
        stride (int or tuple, optional): its stride. Default: ``kernel_size``.
        padding (int or tuple, optional): its padding. Default: 0.
        output_size (tuple, optional): the exact ``(H_out, W_out)`` (a longer
            tuple is read from its last two entries), needed when the pooling
            dropped rows or columns; it must lie strictly within one stride of
            the default size.

    Shape:
        - Input: :math:`(N, C, H_{in}, W_{in})` or :math:`(C, H_{in}, W_{in})`.
        - Output: :math:`(N, C, H_{out}, W_{out})` or :math:`(C, H_{out}, W_{out})`, where
          by default :math:`H_{out} = (H_{in} - 1) s_H - 2 p_H + k_H`, likewise for :math:`W_{out}`.

    Examples::

        >>> x = np.array([[[1.0, 5.0], [3.0, 2.0]]])
        >>> pooled, idx = max_pool2d(x, 2, return_indices=True)
        >>> max_unpool2d(pooled, idx, 2)
        array([[[0., 5.],
                [0., 0.]]])
    """
    x, unbatched = _as_input(input)
    ind = np.asarray(indices)
    if ind.dtype.kind not in "iu":
        raise TypeError(f"indices must be an integer array, got dtype {ind.dtype}")
    if ind.shape != np.shape(input):
        raise ValueError(f"indices must have the shape of input {np.shape(input)}, got {ind.shape}")
    if unbatched:
        ind = ind[None]
    k, s, p, _ = _geometry(kernel_size, stride, padding, 1)
    default = tuple((x.shape[-2 + i] - 1) * s[i] - 2 * p[i] + k[i] for i in range(2))
    if output_size is None:
        size = default
    else:
        if not isinstance(output_size, (tuple, list)) or len(output_size) < 2:
            raise TypeError(
                f"output_size must be a tuple of at least two ints, got {output_size!r}"
            )
        size = ntuple(tuple(output_size[-2:]), 2, "output_size")
        for i in range(2):
            if not default[i] - s[i] < size[i] < default[i] + s[i]:
                raise ValueError(
                    f"output_size {tuple(size)} is invalid: each size must lie strictly between "
                    f"{tuple(d - t for d, t in zip(default, s, strict=False))} "
                    f"and {tuple(d + t for d, t in zip(default, s, strict=False))}"
                )
    if min(size) <= 0:
        raise ValueError(
            f"the unpooled size {tuple(size)} is not "
            "positive; check kernel_size, stride and padding"
        )
    plane = size[0] * size[1]
    if ind.size and (ind.min() < 0 or ind.max() >= plane):
        raise ValueError(f"indices must lie in [0, {plane}) for output size {tuple(size)}")
    N, C = x.shape[:2]
    out = np.zeros((N, C, plane), dtype=x.dtype)
    n_idx = np.arange(N)[:, None, None]
    c_idx = np.arange(C)[None, :, None]
    out[n_idx, c_idx, ind.reshape(N, C, -1)] = x.reshape(N, C, -1)
    out = out.reshape(N, C, size[0], size[1])
    return out[0] if unbatched else out
