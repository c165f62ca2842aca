"""Convolution as a matrix, transposed convolution and the backward pass of ``conv2d``.

A 2-D convolution (PyTorch's cross-correlation) is linear in its input, so it is a matrix
``C`` acting on the flattened input: ``y.reshape(-1) == C @ x.reshape(-1)``.
:func:`conv_matrix` builds that matrix, :func:`conv_transpose2d` applies ``C^T`` without
building it (exactly as :func:`torch.nn.functional.conv_transpose2d`), and
:func:`conv2d_backward` uses ``C^T`` to send the gradient of a loss back to the input.

Everything here is numpy only and mirrors the argument names and order of
:mod:`torch.nn.functional`.
"""

from __future__ import annotations

import numpy as np

from convkit._validation import (
    as_real_array,
    nonnegative_tuple,
    positive_int,
    positive_tuple,
)

__all__ = [
    "conv_matrix",
    "conv_transpose2d",
    "conv_transpose_output_size",
    "conv2d_backward",
]


# ----------------------------------------------------------------------------------------------
# argument checks
# ----------------------------------------------------------------------------------------------
_NCHW = "(C, H, W) or (N, C, H, W)"


def _float_dtype(*arrays) -> np.dtype:
    return np.result_type(np.float32, *[a.dtype for a in arrays if a is not None])


def _conv_size(size: int, k: int, s: int, p: int, d: int) -> int:
    return (size + 2 * p - d * (k - 1) - 1) // s + 1


# ----------------------------------------------------------------------------------------------
# output size
# ----------------------------------------------------------------------------------------------
def conv_transpose_output_size(
    input_size, kernel_size, stride=1, padding=0, output_padding=0, dilation=1
):
    r"""Spatial output size of a transposed convolution, as computed by ``nn.ConvTranspose2d``.

    .. math::
        H_{out} = (H_{in} - 1) \times \text{stride} - 2 \times \text{padding}
                  + \text{dilation} \times (\text{kernel\_size} - 1) + \text{output\_padding} + 1

    This is the inverse of the convolution size formula
    :math:`\lfloor (H_{in} + 2p - d(k-1) - 1) / s \rfloor + 1`: a convolution with stride
    ``s`` maps ``s`` different input sizes onto one output size, and ``output_padding``
    (which must be smaller than ``max(stride, dilation)``, as in PyTorch) picks among them.

    Args:
        input_size (int or tuple): ``H_in`` or ``(H_in, W_in)``.
        kernel_size (int or tuple): size of the kernel.
        stride (int or tuple, optional): stride of the transposed convolution. Default: 1
        padding (int or tuple, optional): implicit padding of the matching convolution,
            cropped from both sides of the output. Default: 0
        output_padding (int or tuple, optional): extra rows/columns added at the bottom/right.
            Default: 0
        dilation (int or tuple, optional): spacing between kernel taps. Default: 1

    Returns:
        int when ``input_size`` is an int, otherwise a tuple of 2 ints.

    Raises:
        ValueError: if ``output_padding >= max(stride, dilation)`` or the result is below 1.

    Examples::

        >>> conv_transpose_output_size(4, kernel_size=3, stride=2, padding=1, output_padding=1)
        8
        >>> conv_transpose_output_size((2, 3), kernel_size=3)
        (4, 5)
    """
    scalar = not isinstance(input_size, (tuple, list))
    i = positive_tuple(input_size, 2, "input_size")
    k = positive_tuple(kernel_size, 2, "kernel_size")
    s = positive_tuple(stride, 2, "stride")
    p = nonnegative_tuple(padding, 2, "padding")
    op = nonnegative_tuple(output_padding, 2, "output_padding")
    d = positive_tuple(dilation, 2, "dilation")
    for dim in range(2):
        if op[dim] >= max(s[dim], d[dim]):
            raise ValueError(
                f"output_padding must be smaller than either stride or dilation, got "
                f"output_padding={output_padding!r}, stride={stride!r}, dilation={dilation!r}"
            )
    out = tuple((i[j] - 1) * s[j] - 2 * p[j] + d[j] * (k[j] - 1) + op[j] + 1 for j in range(2))
    if min(out) < 1:
        raise ValueError(
            f"padding={padding!r} is too large: input_size={input_size!r} with kernel_size="
            f"{kernel_size!r}, stride={stride!r} gives an "
            f"output size of {out if not scalar else out[0]}"
        )
    return out[0] if scalar else out


# ----------------------------------------------------------------------------------------------
# the convolution matrix
# ----------------------------------------------------------------------------------------------
def conv_matrix(weight, input_size, stride=1, padding=0, dilation=1):
    r"""The dense matrix ``C`` of a 2-D convolution (cross-correlation, as ``F.conv2d``).

    For an input ``x`` of shape ``(C_in, H_in, W_in)`` (or ``(H_in, W_in)`` for a
    single-channel weight) and ``y = F.conv2d(x, weight, stride=stride, padding=padding,
    dilation=dilation)`` of shape ``(C_out, H_out, W_out)``,

    .. math::
        y\text{.reshape}(-1) = C \, x\text{.reshape}(-1)

    Both vectors are flattened in numpy's default row-major (C) order: channel first, then
    row, then column, so input pixel ``(c, h, w)`` is column ``c*H_in*W_in + h*W_in + w`` and
    output pixel ``(o, r, q)`` is row ``o*H_out*W_out + r*W_out + q``. Zero padding adds no
    columns: padded positions contribute nothing, so their weights are simply absent.
    Row ``(o, r, q)`` holds ``weight[o, c, a, b]`` in the column of input pixel
    ``(c, r*stride - padding + a*dilation, q*stride - padding + b*dilation)``.

    ``C.T`` is the transposed convolution: ``C.T @ y.reshape(-1)`` equals
    :func:`conv_transpose2d` of ``y`` with the same ``weight``, ``stride``, ``padding``,
    ``dilation`` and the ``output_padding`` that gives back ``(H_in, W_in)``.

    Args:
        weight (ndarray): ``(kH, kW)`` or ``(C_out, C_in, kH, kW)``.
        input_size (int or tuple): ``(H_in, W_in)`` (an int means a square input).
        stride (int or tuple, optional): Default: 1
        padding (int or tuple, optional): zero padding on both sides. Default: 0
        dilation (int or tuple, optional): Default: 1

    Shape:
        - weight ``(kH, kW)``: ``C`` is ``(H_out*W_out, H_in*W_in)``
        - weight ``(C_out, C_in, kH, kW)``: ``C`` is ``(C_out*H_out*W_out, C_in*H_in*W_in)``

        where :math:`H_{out} = \lfloor (H_{in} + 2p - d(kH - 1) - 1) / s \rfloor + 1`
        (same for ``W``).

    Examples::

        >>> w = np.array([[1.0, 2.0], [3.0, 4.0]])
        >>> conv_matrix(w, (2, 3))
        array([[1., 2., 0., 3., 4., 0.],
               [0., 1., 2., 0., 3., 4.]])
        >>> x = np.arange(6.0).reshape(2, 3)
        >>> conv_matrix(w, (2, 3)) @ x.reshape(-1)
        array([27., 37.])
    """
    weight = as_real_array(weight, "weight", (2, 4), "(kH, kW) or (C_out, C_in, kH, kW)")
    single = weight.ndim == 2
    w4 = weight[None, None] if single else weight
    c_out, c_in, kh, kw = w4.shape
    if kh < 1 or kw < 1 or c_out < 1 or c_in < 1:
        raise ValueError(f"weight must have no empty dimension, got shape {weight.shape}")
    h, w = positive_tuple(input_size, 2, "input_size")
    s = positive_tuple(stride, 2, "stride")
    p = nonnegative_tuple(padding, 2, "padding")
    d = positive_tuple(dilation, 2, "dilation")
    ho, wo = _conv_size(h, kh, s[0], p[0], d[0]), _conv_size(w, kw, s[1], p[1], d[1])
    if ho < 1 or wo < 1:
        raise ValueError(
            f"input_size={input_size!r} is too small for a kernel of size {(kh, kw)} with "
            f"padding={padding!r}, dilation={dilation!r}"
        )

    # index grids, broadcast to (C_out, C_in, H_out, W_out, kH, kW)
    o = np.arange(c_out)[:, None, None, None, None, None]
    c = np.arange(c_in)[None, :, None, None, None, None]
    r = np.arange(ho)[None, None, :, None, None, None]
    q = np.arange(wo)[None, None, None, :, None, None]
    a = np.arange(kh)[None, None, None, None, :, None]
    b = np.arange(kw)[None, None, None, None, None, :]
    rows_in = r * s[0] - p[0] + a * d[0]  # input row each tap reads
    cols_in = q * s[1] - p[1] + b * d[1]
    shape = (c_out, c_in, ho, wo, kh, kw)
    inside = np.broadcast_to((rows_in >= 0) & (rows_in < h) & (cols_in >= 0) & (cols_in < w), shape)
    row = np.broadcast_to((o * ho + r) * wo + q, shape)
    col = np.broadcast_to((c * h + rows_in) * w + cols_in, shape)
    val = np.broadcast_to(w4[:, :, None, None, :, :], shape)

    matrix = np.zeros((c_out * ho * wo, c_in * h * w), dtype=_float_dtype(weight))
    # each (row, tap) reads a different input pixel, so plain assignment never collides
    matrix[row[inside], col[inside]] = val[inside]
    return matrix


# ----------------------------------------------------------------------------------------------
# transposed convolution
# ----------------------------------------------------------------------------------------------
def conv_transpose2d(
    input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1
):
    r"""2-D transposed convolution, exactly as :func:`torch.nn.functional.conv_transpose2d`.

    It is the adjoint (matrix transpose) of :func:`conv2d` with the same ``weight``,
    ``stride``, ``padding``, ``dilation`` and ``groups``: every input pixel scatters a copy
    of the kernel, scaled by its value, into the output at ``stride`` spacing, overlapping
    copies add up, ``padding`` rows/columns are cropped from each side and
    ``output_padding`` extra ones are kept at the bottom/right. Equivalently: insert
    ``stride - 1`` zeros between input pixels, pad by ``dilation*(k-1) - padding`` (plus
    ``output_padding`` at the bottom/right) and cross-correlate with the kernel flipped in
    both spatial axes and with its two channel axes swapped.

    Note the argument order (``groups`` before ``dilation``) and the weight layout
    ``(C_in, C_out/groups, kH, kW)``, both as in PyTorch.

    Args:
        input (ndarray): ``(N, C_in, H_in, W_in)`` or ``(C_in, H_in, W_in)``.
        weight (ndarray): ``(C_in, C_out/groups, kH, kW)``.
        bias (ndarray, optional): ``(C_out,)``. Default: None
        stride (int or tuple, optional): Default: 1
        padding (int or tuple, optional): ``dilation*(kernel_size-1) - padding`` zeros are
            added to both sides of the (zero-inserted) input. Default: 0
        output_padding (int or tuple, optional): extra size at the bottom/right of the output;
            must be smaller than ``max(stride, dilation)``. Default: 0
        groups (int, optional): split ``C_in`` into this many groups. Default: 1
        dilation (int or tuple, optional): spacing between kernel taps. Default: 1

    Shape:
        - Input: :math:`(N, C_{in}, H_{in}, W_{in})` or :math:`(C_{in}, H_{in}, W_{in})`
        - Output: :math:`(N, C_{out}, H_{out}, W_{out})` or :math:`(C_{out}, H_{out}, W_{out})`,
          where

        .. math::
            H_{out} = (H_{in} - 1) \times \text{stride}[0] - 2 \times \text{padding}[0]
                      + \text{dilation}[0] \times (\text{kernel\_size}[0] - 1)
                      + \text{output\_padding}[0] + 1

        and likewise for :math:`W_{out}` with index ``[1]``.

    Examples::

        >>> x = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])
        >>> w = np.ones((1, 1, 2, 2))
        >>> conv_transpose2d(x, w)[0, 0]
        array([[ 1.,  3.,  2.],
               [ 4., 10.,  6.],
               [ 3.,  7.,  4.]])
        >>> conv_transpose2d(x, w, stride=2)[0, 0]
        array([[1., 1., 2., 2.],
               [1., 1., 2., 2.],
               [3., 3., 4., 4.],
               [3., 3., 4., 4.]])
        >>> conv_transpose2d(np.zeros((2, 6, 5, 5)), np.zeros((6, 4, 3, 3)), stride=2,
        ...                  padding=1, output_padding=1, groups=3).shape
        (2, 12, 10, 10)
    """
    input = as_real_array(input, "input", (3, 4), _NCHW)
    weight = as_real_array(weight, "weight", (4,), "(C_in, C_out/groups, kH, kW)")
    unbatched = input.ndim == 3
    x = input[None] if unbatched else input
    g = positive_int(groups, "groups")
    n, c_in, h, w = x.shape
    if weight.shape[0] != c_in:
        raise ValueError(
            f"weight must have shape (C_in, C_out/groups, kH, kW) with C_in={c_in} matching input, "
            f"got weight of shape {weight.shape}"
        )
    if c_in % g:
        raise ValueError(f"groups={g} must divide the number of input channels {c_in}")
    _, c_out_g, kh, kw = weight.shape
    if min(c_out_g, kh, kw) < 1:
        raise ValueError(f"weight must have no empty dimension, got shape {weight.shape}")
    c_out = c_out_g * g
    if bias is not None:
        bias = as_real_array(bias, "bias", (1,), "(C_out,)")
        if bias.shape != (c_out,):
            raise ValueError(f"bias must have shape ({c_out},), got {bias.shape}")
    s = positive_tuple(stride, 2, "stride")
    p = nonnegative_tuple(padding, 2, "padding")
    op = nonnegative_tuple(output_padding, 2, "output_padding")
    d = positive_tuple(dilation, 2, "dilation")
    ho, wo = conv_transpose_output_size((h, w), (kh, kw), s, p, op, d)

    dtype = _float_dtype(x, weight, bias)
    c_in_g = c_in // g
    xg = x.reshape(n, g, c_in_g, h, w).astype(dtype, copy=False)
    wg = weight.reshape(g, c_in_g, c_out_g, kh, kw).astype(dtype, copy=False)
    # full (uncropped) output: the last input pixel's kernel copy ends at (h-1)s + d(k-1)
    full = np.zeros((n, g, c_out_g, ho + 2 * p[0], wo + 2 * p[1]), dtype=dtype)
    span_h, span_w = (h - 1) * s[0] + 1, (w - 1) * s[1] + 1
    for a in range(kh):  # loop over kernel taps only; each is one matmul over all pixels
        for b in range(kw):
            contrib = np.einsum("ngihw,gio->ngohw", xg, wg[:, :, :, a, b], optimize=True)
            full[
                :, :, :, a * d[0] : a * d[0] + span_h : s[0], b * d[1] : b * d[1] + span_w : s[1]
            ] += contrib
    out = full[:, :, :, p[0] : p[0] + ho, p[1] : p[1] + wo].reshape(n, c_out, ho, wo)
    if bias is not None:
        out = out + bias.astype(dtype)[None, :, None, None]
    out = np.ascontiguousarray(out)
    return out[0] if unbatched else out


# ----------------------------------------------------------------------------------------------
# backward pass of conv2d
# ----------------------------------------------------------------------------------------------
def conv2d_backward(grad_output, input, weight, stride=1, padding=0, dilation=1, groups=1):
    r"""Gradients of ``y = F.conv2d(input, weight, bias, stride, padding, dilation, groups)``.

    Given ``grad_output`` :math:`= \partial L / \partial y`, returns
    ``(grad_input, grad_weight, grad_bias)``:

    - ``grad_input`` :math:`= C^T` ``grad_output``, computed as
      :func:`conv_transpose2d` ``(grad_output, weight, stride=stride, padding=padding,
      output_padding=op, groups=groups, dilation=dilation)``, where ``op`` is the number of
      bottom/right input rows/columns the strided convolution never reached
      (``(H_in + 2p - d(k-1) - 1) mod s``) and whose gradient is zero.
    - ``grad_weight[o, c, a, b]`` :math:`= \sum_{n, r, q}` ``grad_output[n, o, r, q] *
      input_padded[n, g*C_in/groups + c, r*s + a*d, q*s + b*d]`` for output channel ``o`` in
      group ``g``.
    - ``grad_bias`` :math:`= \sum_{n, r, q}` ``grad_output[n, :, r, q]``.

    Args:
        grad_output (ndarray): :math:`(N, C_{out}, H_{out}, W_{out})` or unbatched.
        input (ndarray): :math:`(N, C_{in}, H_{in}, W_{in})` or unbatched, the forward input.
        weight (ndarray): :math:`(C_{out}, C_{in}/\text{groups}, kH, kW)`, the forward weight.
        stride, padding, dilation, groups: as in the forward ``conv2d`` (zero padding).

    Shape:
        - grad_input: same as ``input``
        - grad_weight: same as ``weight``
        - grad_bias: :math:`(C_{out},)`

        ``grad_output`` must have :math:`H_{out} = \lfloor (H_{in} + 2p - d(kH-1) - 1)/s
        \rfloor + 1` (same for ``W``).

    Examples::

        >>> x = np.arange(16.0).reshape(1, 1, 4, 4)
        >>> w = np.ones((1, 1, 3, 3))
        >>> gx, gw, gb = conv2d_backward(np.ones((1, 1, 2, 2)), x, w)
        >>> gx[0, 0]
        array([[1., 2., 2., 1.],
               [2., 4., 4., 2.],
               [2., 4., 4., 2.],
               [1., 2., 2., 1.]])
        >>> gw[0, 0]
        array([[10., 14., 18.],
               [26., 30., 34.],
               [42., 46., 50.]])
        >>> gb
        array([4.])
    """
    grad_output = as_real_array(grad_output, "grad_output", (3, 4), _NCHW)
    input = as_real_array(input, "input", (3, 4), _NCHW)
    weight = as_real_array(weight, "weight", (4,), "(C_out, C_in/groups, kH, kW)")
    if grad_output.ndim != input.ndim:
        raise ValueError(
            f"grad_output and input must both be batched or both unbatched, got shapes "
            f"{grad_output.shape} and {input.shape}"
        )
    unbatched = input.ndim == 3
    x = input[None] if unbatched else input
    go = grad_output[None] if unbatched else grad_output
    g = positive_int(groups, "groups")
    n, c_in, h, w = x.shape
    c_out, c_in_g, kh, kw = weight.shape
    if c_in % g or c_out % g or c_in_g * g != c_in:
        raise ValueError(
            f"weight of shape {weight.shape} does not fit input with {c_in} channels and groups={g}"
        )
    s = positive_tuple(stride, 2, "stride")
    p = nonnegative_tuple(padding, 2, "padding")
    d = positive_tuple(dilation, 2, "dilation")
    ho, wo = _conv_size(h, kh, s[0], p[0], d[0]), _conv_size(w, kw, s[1], p[1], d[1])
    if ho < 1 or wo < 1:
        raise ValueError(
            f"input of shape {input.shape} is too small for weight of shape {weight.shape}"
        )
    if go.shape != (n, c_out, ho, wo):
        raise ValueError(f"grad_output must have shape {(n, c_out, ho, wo)}, got {go.shape}")

    # grad_input: the transposed convolution, with output_padding for the rows/columns
    # that the strided forward pass never reached
    op = tuple(
        size + 2 * pj - dj * (kj - 1) - 1 - (o_size - 1) * sj
        for size, pj, dj, kj, o_size, sj in zip((h, w), p, d, (kh, kw), (ho, wo), s, strict=False)
    )
    grad_input = conv_transpose2d(go, weight, None, s, p, op, g, d)

    # grad_weight: correlate the padded input with grad_output, one kernel tap at a time
    dtype = _float_dtype(x, weight, go)
    xp = np.pad(x.astype(dtype, copy=False), ((0, 0), (0, 0), (p[0], p[0]), (p[1], p[1])))
    go_g = go.astype(dtype, copy=False).reshape(n, g, c_out // g, ho, wo)
    grad_weight = np.empty((g, c_out // g, c_in_g, kh, kw), dtype=dtype)
    span_h, span_w = (ho - 1) * s[0] + 1, (wo - 1) * s[1] + 1
    for a in range(kh):
        for b in range(kw):
            patch = xp[
                :, :, a * d[0] : a * d[0] + span_h : s[0], b * d[1] : b * d[1] + span_w : s[1]
            ]
            patch = patch.reshape(n, g, c_in_g, ho, wo)
            grad_weight[:, :, :, a, b] = np.einsum("ngohw,ngihw->goi", go_g, patch, optimize=True)
    grad_weight = grad_weight.reshape(c_out, c_in_g, kh, kw)

    grad_bias = go.astype(dtype, copy=False).sum(axis=(0, 2, 3))
    return (grad_input[0] if unbatched else grad_input), grad_weight, grad_bias
