r"""The backward passes of 2-D max and average pooling in numpy, as PyTorch's autograd does them.

Pooling has no weights; its backward pass only routes the gradient of the loss with respect to
each output, ``grad_output``, back to the input pixels of that output's window:

* **max pooling** sends all of an output's gradient to the one input pixel that was the maximum
  of its window (the same pixel whose index ``max_pool2d(..., return_indices=True)`` returns).
  Among equal maxima PyTorch picks the first in row-major order inside the window; a NaN wins.
  Where windows overlap (stride < kernel size) one pixel can be the maximum of several windows and
  receives the sum of their gradients; a pixel that is no window's maximum gets zero;
* **average pooling** spreads each output's gradient evenly over its window: every position
  gets ``grad_output / divisor`` with the forward pass's divisor, and padded positions drop
  their share. Overlapping windows add up as well.
"""

from __future__ import annotations

import numpy as np

from convkit._validation import as_real_array, check_int
from convkit.functional.pooling import _as_input, _avg_divisor, _geometry, max_pool2d
from convkit.functional.pooling import pool_output_size as _pool_output_size

__all__ = ["max_pool2d_backward", "avg_pool2d_backward"]


def _grad(grad_output, out_shape: tuple, unbatched: bool) -> np.ndarray:
    g = as_real_array(grad_output, "grad_output")
    want = out_shape[1:] if unbatched else out_shape
    if g.shape != want:
        raise ValueError(f"grad_output must have the output's shape {want}, got {g.shape}")
    return g[None] if unbatched else g


def max_pool2d_backward(
    grad_output, input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False
):
    r"""Gradient of :func:`convkit.max_pool2d` with respect to its input.

    Each output's gradient goes to the input pixel that won its window (the first maximum in
    row-major order inside the window, as in PyTorch; a NaN wins), and the gradients of
    overlapping windows that share a winner are added:

    .. math::
        \text{grad\_input}(n, c, h, w) = \sum_{(i, j):\ \text{argmax}(n, c, i, j) = (h, w)}
        \text{grad\_output}(n, c, i, j).

    Args:
        grad_output (ndarray): the gradient of the loss with respect to the pooled output.
        input (ndarray): the input of the forward pass, ``(N, C, H, W)`` or ``(C, H, W)``.
        kernel_size, stride, padding, dilation, ceil_mode: as in :func:`convkit.max_pool2d`.

    Shape:
        - grad_output: :math:`(N, C, H_{out}, W_{out})` or :math:`(C, H_{out}, W_{out})` with
          :math:`H_{out} = \left\lfloor \frac{H_{in} + 2p_H - d_H (k_H - 1) - 1}{s_H}
          \right\rfloor + 1` and likewise :math:`W_{out}` (see :func:`convkit.pool_output_size`
          for ``ceil_mode``).
        - Output: the input's shape :math:`(N, C, H_{in}, W_{in})` or :math:`(C, H_{in}, W_{in})`.

    Returns:
        ndarray in the dtype of ``grad_output`` (float64 for integers).

    Examples::

        >>> x = np.array([[[1.0, 3.0, 3.0], [0.0, 3.0, 2.0], [1.0, 1.0, 1.0]]])
        >>> max_pool2d_backward(np.ones((1, 2, 2)), x, 2, stride=1)
        array([[[0., 2., 0.],
                [0., 2., 0.],
                [0., 0., 0.]]])
        >>> max_pool2d_backward(np.ones((1, 2, 2)), np.ones((1, 3, 3)), 2, stride=1)
        array([[[1., 1., 0.],
                [1., 1., 0.],
                [0., 0., 0.]]])
    """
    x, unbatched = _as_input(input)
    out, idx = max_pool2d(x, kernel_size, stride, padding, dilation, ceil_mode, True)
    g = _grad(grad_output, out.shape, unbatched)
    if g.dtype.kind != "f":
        g = g.astype(np.float64)
    n, c, h, w = x.shape
    grad_in = np.zeros((n * c, h * w), dtype=g.dtype)
    rows = np.repeat(np.arange(n * c), idx[0, 0].size)
    np.add.at(grad_in, (rows, idx.reshape(-1)), g.reshape(-1))
    grad_in = grad_in.reshape(n, c, h, w)
    return grad_in[0] if unbatched else grad_in


def avg_pool2d_backward(
    grad_output,
    input,
    kernel_size,
    stride=None,
    padding=0,
    ceil_mode=False,
    count_include_pad=True,
    divisor_override=None,
):
    r"""Gradient of :func:`convkit.avg_pool2d` with respect to its input.

    Each output's gradient, divided by the divisor the forward pass used for that output, is
    added to every input pixel of its window (padded positions take their share away):

    .. math::
        \text{grad\_input}(n, c, h, w) = \sum_{(i, j):\ (h, w) \in \text{window}(i, j)}
        \frac{\text{grad\_output}(n, c, i, j)}{\text{divisor}(i, j)}.

    Args:
        grad_output (ndarray): the gradient of the loss with respect to the pooled output.
        input (ndarray): the input of the forward pass, ``(N, C, H, W)`` or ``(C, H, W)``
            (only its shape is used).
        kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override: as in
            :func:`convkit.avg_pool2d`.

    Shape:
        - grad_output: :math:`(N, C, H_{out}, W_{out})` or :math:`(C, H_{out}, W_{out})` with
          :math:`H_{out} = \left\lfloor \frac{H_{in} + 2p_H - k_H}{s_H} \right\rfloor + 1` and
          likewise :math:`W_{out}` (see :func:`convkit.pool_output_size` for ``ceil_mode``).
        - Output: the input's shape :math:`(N, C, H_{in}, W_{in})` or :math:`(C, H_{in}, W_{in})`.

    Returns:
        ndarray in the dtype of ``grad_output`` (float64 for integers).

    Examples::

        >>> avg_pool2d_backward(np.ones((1, 2, 2)), np.zeros((1, 3, 3)), 2, stride=1)
        array([[[0.25, 0.5 , 0.25],
                [0.5 , 1.  , 0.5 ],
                [0.25, 0.5 , 0.25]]])
        >>> avg_pool2d_backward(np.ones((1, 3, 3)), np.zeros((1, 2, 2)), 2, stride=1,
        ...                     padding=1, count_include_pad=False)
        array([[[2.25, 2.25],
                [2.25, 2.25]]])
    """
    x, unbatched = _as_input(input)
    k, s, p, _ = _geometry(kernel_size, stride, padding, 1)
    if divisor_override is not None and check_int(divisor_override, "divisor_override") == 0:
        raise ValueError("divisor_override must not be zero")
    n, c, h, w = x.shape
    out = _pool_output_size((h, w), k, s, p, 1, ceil_mode)
    g = _grad(grad_output, (n, c) + tuple(out), unbatched)
    if g.dtype.kind != "f":
        g = g.astype(np.float64)
    if divisor_override is not None:
        divisor = np.full(out, float(divisor_override))
    else:
        divisor = _avg_divisor((h, w), out, k, s, p, count_include_pad)  # the forward pass's
    share = (1.0 / divisor).astype(g.dtype)
    gs = g * share  # (N, C, oH, oW)
    need = [(out[i] - 1) * s[i] + k[i] for i in range(2)]
    big = (max(need[0], h + p[0]), max(need[1], w + p[1]))
    buf = np.zeros((n, c, big[0], big[1]), dtype=g.dtype)
    for a in range(k[0]):
        for b in range(k[1]):
            rows = slice(a, a + (out[0] - 1) * s[0] + 1, s[0])
            cols = slice(b, b + (out[1] - 1) * s[1] + 1, s[1])
            buf[:, :, rows, cols] += gs
    grad_in = buf[:, :, p[0] : p[0] + h, p[1] : p[1] + w]
    grad_in = np.ascontiguousarray(grad_in)
    return grad_in[0] if unbatched else grad_in
