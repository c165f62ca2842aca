r"""The convolution written to be read: sliding windows and one ``tensordot`` per group.

:mod:`convkit.functional.conv` computes the same thing fast (im2col in cache-sized blocks,
scratch buffers kept per thread); this module is the short version to read first, and the one
the fast path is tested against (``tests/test_conv_reference.py``). For every output position
the layer takes the window of the (zero-padded) input under the kernel and sums its products
with the weights:

.. math::
    \text{out}(n, o, \mathbf{i}) = \text{bias}(o) + \sum_{c \in \text{group}(o)}
        \sum_{\mathbf{k}} \text{input}(n, c, \mathbf{s} \odot \mathbf{i} + \mathbf{d} \odot
        \mathbf{k})
        \, \text{weight}(o, c, \mathbf{k})

with stride :math:`\mathbf{s}` and dilation :math:`\mathbf{d}`, as
:func:`torch.nn.functional.conv2d` (a cross-correlation: the kernel is not flipped).
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import ArrayLike, NDArray

from convkit._validation import (
    as_float_array,
    check_ndim,
    nonnegative_tuple,
    positive_int,
    positive_tuple,
)

__all__ = ["conv_reference"]


def conv_reference(
    input: ArrayLike,
    weight: ArrayLike,
    bias: ArrayLike | None = None,
    stride: int | tuple[int, ...] = 1,
    padding: int | tuple[int, ...] = 0,
    dilation: int | tuple[int, ...] = 1,
    groups: int = 1,
) -> NDArray[np.floating]:
    r"""A 1-, 2- or 3-D convolution (``d = weight.ndim - 2``), zero padding, as ``F.conv{d}d``.

    Args:
        input: ``(N, C_in, *spatial)`` or ``(C_in, *spatial)``.
        weight: ``(C_out, C_in / groups, *kernel)``.
        bias: ``(C_out,)`` or ``None``.
        stride, padding, dilation: an int or a tuple of ``d`` ints. Defaults: 1, 0, 1
        groups: splits the channels into this many independent convolutions. Default: 1

    Shape:
        - Output: ``(N, C_out, *out)`` (no ``N`` for an unbatched input), where for each axis
          :math:`\text{out} = \lfloor (\text{in} + 2p - d(k - 1) - 1) / s \rfloor + 1`.

    Examples::

        >>> conv_reference(np.arange(9.0).reshape(1, 1, 3, 3), np.ones((1, 1, 2, 2)))
        array([[[[ 8., 12.],
                 [20., 24.]]]])
    """
    w = as_float_array(weight, "weight")
    d = w.ndim - 2
    if d not in (1, 2, 3):
        raise ValueError(f"weight must be 3-D, 4-D or 5-D, got an array of shape {w.shape}")
    x = as_float_array(input, "input")
    check_ndim(x, (d + 1, d + 2), "input")
    w = w.astype(x.dtype, copy=False)  # the input's precision, as the fast path
    unbatched = x.ndim == d + 1
    if unbatched:
        x = x[None]
    s = positive_tuple(stride, d, "stride")
    p = nonnegative_tuple(padding, d, "padding")
    dil = positive_tuple(dilation, d, "dilation")
    g = positive_int(groups, "groups")
    c_out, c_in_g, kernel = w.shape[0], w.shape[1], w.shape[2:]
    if c_out % g or c_in_g * g != x.shape[1]:
        raise ValueError(
            f"weight of shape {w.shape} with groups={g} "
            f"does not fit an input of {x.shape[1]} channels"
        )

    # 1. zero-pad the spatial axes
    x = np.pad(x, [(0, 0), (0, 0)] + [(pi, pi) for pi in p])
    # 2. every window that the dilated kernel covers: (N, C, *positions, *span)
    span = tuple(di * (k - 1) + 1 for di, k in zip(dil, kernel, strict=False))
    axes = tuple(range(2, 2 + d))
    windows = sliding_window_view(x, span, axis=axes)
    # 3. keep every s-th position and every d-th tap: (N, C, *out, *kernel)
    windows = windows[
        (slice(None), slice(None))
        + tuple(slice(None, None, si) for si in s)
        + tuple(slice(None, None, di) for di in dil)
    ]
    # 4. per group: sum over (channel, kernel taps) with the weights -> (N, *out, C_out / g)
    c_out_g = c_out // g
    parts = []
    for gi in range(g):
        win = windows[:, gi * c_in_g : (gi + 1) * c_in_g]
        wg = w[gi * c_out_g : (gi + 1) * c_out_g]
        parts.append(
            np.tensordot(win, wg, axes=([1, *range(2 + d, 2 + 2 * d)], [1, *range(2, 2 + d)]))
        )
    out = np.moveaxis(np.concatenate(parts, axis=-1), -1, 1)
    if bias is not None:
        b = as_float_array(bias, "bias").astype(x.dtype, copy=False)
        if b.shape != (c_out,):
            raise ValueError(f"bias must have shape ({c_out},), got {b.shape}")
        out = out + b.reshape((c_out,) + (1,) * d)
    return out[0] if unbatched else out
