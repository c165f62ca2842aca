r"""Convolution (cross-correlation) in numpy: ``corr2d``, ``conv1d``, ``conv2d``, ``conv3d``.

Like every deep-learning library, "convolution" here means *cross-correlation*:
the kernel is slid over the input without being flipped,

.. math::
    \text{out}(n, o, \mathbf{y}) = \text{bias}(o) + \sum_{c \in \text{group}(o)} \sum_{\mathbf{k}}
    \text{weight}(o, c, \mathbf{k})\,
    \text{input}_{\text{padded}}(n, c, \mathbf{s} \odot \mathbf{y} + \mathbf{d} \odot \mathbf{k}),

with stride :math:`\mathbf{s}` and dilation :math:`\mathbf{d}` applied per spatial dimension.

All three functions share one N-d implementation, :func:`_conv_nd`, which works
the way fast CPU libraries do ("im2col"):

1. pad the input (zeros or one of the other padding modes);
2. build, with :func:`numpy.lib.stride_tricks.as_strided`, a *view* that puts
   every receptive field (the ``C/groups x k_1 x ... x k_d`` input values one
   output sample sees) in a column: shape ``(N, groups, C/groups * K, L)``
   where ``K = prod(kernel_size)`` and ``L`` is the number of output positions.
   No data is copied until the view is made contiguous;
3. multiply by the weight seen as a ``(groups, O/groups, C/groups * K)``
   matrix, one matrix product per group and sample (:func:`numpy.matmul`
   broadcasts over ``N`` and ``groups``), giving ``(N, O, L)``: already the
   ``NC...`` layout, so the result needs no transpose.

Steps 2 and 3 run block by block (a few samples, or a few output rows of one
large sample, about 1 MiB of columns at a time), so each block's copy is still
in the CPU cache when the matrix product reads it. That is a loop over blocks
of rows, not pixels: there is no Python loop over pixels, channels or kernel
taps. The padded input and the column buffer are per-thread scratch arrays
kept between calls (up to 32 MiB each), which saves the page faults of fresh
multi-megabyte temporaries; the returned array is always a new one.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import as_strided, sliding_window_view

from convkit._validation import (
    as_float_array,
    check_ndim,
    check_padding_mode,
    nonnegative_tuple,
    positive_int,
    positive_tuple,
)
from convkit.functional.padding import pad as _pad

__all__ = ["corr2d", "conv1d", "conv2d", "conv3d", "conv_output_size", "merge_convs"]

_SPATIAL = {1: "L", 2: "H, W", 3: "D, H, W"}

#: Target size in bytes of one im2col block (see :func:`_conv_nd`): about a core's L2 cache.
_BLOCK_BYTES = 1 << 20

#: Per-thread scratch buffers (padded input, im2col columns) kept between calls, each up to this
#: size.
_SCRATCH = threading.local()
_SCRATCH_MAX_BYTES = 1 << 25


def corr2d(x: Any, kernel: Any) -> np.ndarray:
    r"""Valid 2-D cross-correlation of one 2-D array with one 2-D kernel.

    The smallest convolution there is: no channels, no batch, no padding,
    stride 1. Each output entry is the sum of the elementwise product of the
    kernel with the window of ``x`` under it:

    .. math::
        \text{out}(i, j) = \sum_{a=0}^{k_h-1} \sum_{b=0}^{k_w-1} x(i + a, j + b)\, \text{kernel}(a,
        b)

    (no kernel flip: this is cross-correlation, which deep-learning libraries
    call convolution).

    Args:
        x (array_like): 2-D input of shape :math:`(H, W)`.
        kernel (array_like): 2-D kernel of shape :math:`(k_h, k_w)`, at most as large as ``x``.

    Shape:
        - x: :math:`(H, W)`
        - kernel: :math:`(k_h, k_w)`
        - Output: :math:`(H - k_h + 1,\ W - k_w + 1)`

    Returns:
        numpy.ndarray: float64 for integer input, otherwise ``x``'s float dtype.

    Examples::

        >>> corr2d([[0, 1, 2], [3, 4, 5], [6, 7, 8]], [[0, 1], [2, 3]])
        array([[19., 25.],
               [37., 43.]])
        >>> corr2d(np.ones((5, 6)), np.ones((3, 3))).shape
        (3, 4)
    """
    x = as_float_array(x, "x")
    k = as_float_array(kernel, "kernel").astype(x.dtype, copy=False)
    check_ndim(x, (2,), "x", "(H, W)")
    check_ndim(k, (2,), "kernel", "(k_h, k_w)")
    if k.shape[0] > x.shape[0] or k.shape[1] > x.shape[1]:
        raise ValueError(f"kernel of shape {k.shape} is larger than x of shape {x.shape}")
    if 0 in k.shape:
        raise ValueError(f"kernel must not be empty, got shape {k.shape}")
    windows = sliding_window_view(x, k.shape)  # (H-kh+1, W-kw+1, kh, kw), a view
    return np.tensordot(windows, k, axes=([2, 3], [0, 1]))


def _resolve_padding(
    padding: Any, d: int, stride: tuple, dilation: tuple, ksize: tuple
) -> list[tuple[int, int]]:
    """Return the (before, after) padding of each spatial dimension."""
    if isinstance(padding, str):
        if padding == "valid":
            return [(0, 0)] * d
        if padding == "same":
            if any(s != 1 for s in stride):
                raise ValueError(
                    f"padding='same' is not supported for strided convolutions, got stride={stride}"
                )
            # torch: total = d(k-1); before = total // 2; the odd one goes after (bottom/right).
            out = []
            for dil, k in zip(dilation, ksize, strict=False):
                total = dil * (k - 1)
                out.append((total // 2, total - total // 2))
            return out
        raise ValueError(
            f"padding must be an int, a tuple of {d} ints, 'valid' or 'same', got {padding!r}"
        )
    return [(p, p) for p in nonnegative_tuple(padding, d, "padding")]


def _scratch(slot: str, shape: tuple, dtype: np.dtype) -> np.ndarray:
    """An uninitialised array for temporary use, reused from call to call in the same thread.

    Allocating a fresh multi-megabyte temporary on every call costs a page fault per 4 KiB page
    (the allocator hands big blocks back to the OS when they are freed), which is most of the gap
    to torch on small inputs. Buffers above _SCRATCH_MAX_BYTES are not kept. A scratch array is
    never returned to the caller.
    """
    dtype = np.dtype(dtype)
    nbytes = int(np.prod(shape)) * dtype.itemsize
    if nbytes > _SCRATCH_MAX_BYTES:
        return np.empty(shape, dtype=dtype)
    buf = getattr(_SCRATCH, slot, None)
    if buf is None or buf.nbytes < nbytes:
        buf = np.empty(nbytes, dtype=np.uint8)
        setattr(_SCRATCH, slot, buf)
    return buf[:nbytes].view(dtype).reshape(shape)


def _zero_pad(x: np.ndarray, widths: list[tuple[int, int]]) -> np.ndarray:
    """Zero-pad the trailing len(widths) dims of x into a scratch array (only the borders are
    zeroed)."""
    lead = x.ndim - len(widths)
    shape = x.shape[:lead] + tuple(
        s + b + a for s, (b, a) in zip(x.shape[lead:], widths, strict=False)
    )
    out = _scratch("padded", shape, x.dtype)
    for dim, (b, a) in enumerate(widths, start=lead):
        before = [slice(None)] * out.ndim
        after = [slice(None)] * out.ndim
        before[dim] = slice(0, b)
        after[dim] = slice(out.shape[dim] - a, out.shape[dim])
        out[tuple(before)] = 0
        out[tuple(after)] = 0
    out[
        (slice(None),) * lead
        + tuple(slice(b, b + s) for s, (b, _) in zip(x.shape[lead:], widths, strict=False))
    ] = x
    return out


def _conv_nd(
    input: Any,
    weight: Any,
    bias: Any,
    stride: Any,
    padding: Any,
    dilation: Any,
    groups: Any,
    padding_mode: str,
    d: int,
) -> np.ndarray:
    """The shared implementation of conv1d/conv2d/conv3d (``d`` spatial dimensions)."""
    spatial = _SPATIAL[d]
    x = as_float_array(input, "input")
    check_ndim(x, (d + 1, d + 2), "input", f"(C, {spatial}) or (N, C, {spatial})")
    w = as_float_array(weight, "weight")
    check_ndim(
        w,
        (d + 2,),
        "weight",
        "(out_channels, in_channels/groups, "
        f"{', '.join('k' + s.strip() for s in spatial.split(','))})",
    )
    w = w.astype(x.dtype, copy=False)
    unbatched = x.ndim == d + 1
    if unbatched:
        x = x[None]
    n, c = x.shape[:2]
    o, cg = w.shape[:2]
    ksize = w.shape[2:]

    groups = positive_int(groups, "groups")
    if o == 0 or cg == 0 or 0 in ksize:
        raise ValueError(f"weight must not be empty, got shape {w.shape}")
    if o % groups:
        raise ValueError(
            f"weight has {o} output channels (weight.shape[0]), "
            f"which groups={groups} does not divide"
        )
    if cg * groups != c:
        raise ValueError(
            f"input has {c} channels, but weight of shape {w.shape} with groups={groups} expects "
            f"weight.shape[1] * groups = {cg * groups} channels"
        )
    if bias is not None:
        b = as_float_array(bias, "bias").astype(x.dtype, copy=False)
        if b.shape != (o,):
            raise ValueError(
                f"bias must be 1-D with {o} elements (one per output channel), got shape {b.shape}"
            )
    stride = positive_tuple(stride, d, "stride")
    dilation = positive_tuple(dilation, d, "dilation")
    padding_mode = check_padding_mode(padding_mode)
    widths = _resolve_padding(padding, d, stride, dilation, ksize)

    # 1. pad
    if any(b_ or a_ for b_, a_ in widths):
        if padding_mode == "zeros":
            x = _zero_pad(x, widths)
        else:
            for dim, ((pb, pa), size) in enumerate(zip(widths, x.shape[2:], strict=False)):
                if padding_mode == "reflect" and max(pb, pa) >= size:
                    raise ValueError(
                        f"padding {(pb, pa)} with padding_mode='reflect' "
                        "must be smaller than the input size "
                        f"{size} of spatial dimension {dim}"
                    )
                if padding_mode == "circular" and max(pb, pa) > size:
                    raise ValueError(
                        f"padding {(pb, pa)} with padding_mode='circular' "
                        "must be at most the input size "
                        f"{size} of spatial dimension {dim} (it would wrap around more than once)"
                    )
            flat = tuple(
                v for pair in reversed(widths) for v in pair
            )  # torch order: last dim first
            x = _pad(x, flat, mode=padding_mode)
    spatial_in = x.shape[2:]
    span = tuple(dil * (k - 1) + 1 for dil, k in zip(dilation, ksize, strict=False))
    if any(sp > si for sp, si in zip(span, spatial_in, strict=False)):
        raise ValueError(
            f"weight's kernel size {tuple(ksize)} (dilated "
            f"to {span}) can't be greater than the padded "
            f"input size {tuple(spatial_in)}"
        )
    out_sp = tuple((si - sp) // s + 1 for si, sp, s in zip(spatial_in, span, stride, strict=False))
    n_out = int(np.prod(out_sp))
    k_total = int(np.prod(ksize))

    # 2. im2col: a strided view (N, g, C/g, *k, *out), made contiguous as (N, g, C/g*K, L)
    sn, sc = x.strides[:2]
    ss = x.strides[2:]
    view = as_strided(
        x,
        shape=(n, groups, cg) + tuple(ksize) + out_sp,
        strides=(sn, sc * cg, sc)
        + tuple(st * dil for st, dil in zip(ss, dilation, strict=False))
        + tuple(st * s for st, s in zip(ss, stride, strict=False)),
        writeable=False,
    )

    # 3. one matrix product per (sample, group): (g, O/g, C/g*K) @ (N, g, C/g*K, L) -> (N, g, O/g,
    # L),
    #    done block by block: a block is a few samples, or a few output rows of one sample, sized so
    #    that its im2col copy (about _BLOCK_BYTES) is still in the CPU cache when matmul reads it.
    #    Materialising the whole (N, g, C/g*K, L) matrix at once is ~1.7x slower on large inputs.
    ck = cg * k_total
    wm = w.reshape(groups, o // groups, ck)
    out = np.empty((n, groups, o // groups, n_out), dtype=x.dtype)
    rows = out_sp[0]
    per_row = n_out // rows  # output positions in one step of the first spatial axis
    row_bytes = groups * ck * per_row * x.itemsize
    if row_bytes * rows <= _BLOCK_BYTES:
        samples_per_block, rows_per_block = max(1, _BLOCK_BYTES // (row_bytes * rows)), rows
    else:
        samples_per_block, rows_per_block = 1, max(1, _BLOCK_BYTES // row_bytes)
    b_view = None if bias is None else b.reshape(groups, o // groups, 1)
    first_out_axis = 3 + d  # view axes: N, g, C/g, k_1..k_d, out_1..out_d
    # One buffer for all blocks: a fresh allocation per block would cost page faults every time.
    buffer = _scratch(
        "columns", (min(n, samples_per_block) * groups * ck * rows_per_block * per_row,), x.dtype
    )
    for i in range(0, n, samples_per_block):
        ni = min(samples_per_block, n - i)
        for r in range(0, rows, rows_per_block):
            nr = min(rows_per_block, rows - r)
            index = (
                (slice(i, i + ni),) + (slice(None),) * (first_out_axis - 1) + (slice(r, r + nr),)
            )
            patches = view[index]
            cols = buffer[: patches.size].reshape(ni, groups, ck, nr * per_row)
            np.copyto(cols.reshape(patches.shape), patches)  # the one copy: im2col
            block = out[i : i + ni, :, :, r * per_row : (r + nr) * per_row]
            np.matmul(wm, cols, out=block)
            if b_view is not None:
                block += b_view
    out = out.reshape((n, o) + out_sp)
    return out[0] if unbatched else out


def conv1d(
    input: Any,
    weight: Any,
    bias: Any = None,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
    padding_mode: str = "zeros",
) -> np.ndarray:
    r"""Apply a 1D convolution (cross-correlation) over an input signal made of several channels.

    The numpy twin of :func:`torch.nn.functional.conv1d`, plus the
    ``padding_mode`` of :class:`torch.nn.Conv1d`.

    Args:
        input: input array of shape :math:`(\text{minibatch}, \text{in\_channels}, iW)`
            or unbatched :math:`(\text{in\_channels}, iW)`.
        weight: filters of shape :math:`(\text{out\_channels},
            \frac{\text{in\_channels}}{\text{groups}}, kW)`.
        bias: optional bias of shape :math:`(\text{out\_channels})`. Default: ``None``
        stride: the stride of the convolving kernel, an int or a one-element tuple. Default: 1
        padding: implicit padding on both sides of the input: an int, a one-element tuple,
            or the string ``'valid'`` (no padding) or ``'same'`` (the output has the input's
            length; stride 1 only; when the total padding :math:`\text{dilation} \times (kW - 1)`
            is odd, the extra sample goes on the right, as in torch). Default: 0
        dilation: the spacing between kernel elements, an int or a one-element tuple. Default: 1
        groups: split the input into groups; both ``in_channels`` and ``out_channels``
            must be divisible by it. ``groups = in_channels`` is a depthwise convolution. Default: 1
        padding_mode: what fills the padding: ``'zeros'``, ``'reflect'``, ``'replicate'`` or
            ``'circular'`` (see :func:`convkit.pad`). Default: ``'zeros'``

    Shape:
        - Input: :math:`(N, C_{in}, L_{in})` or :math:`(C_{in}, L_{in})`
        - Weight: :math:`(C_{out}, C_{in} / \text{groups}, K)`
        - Output: :math:`(N, C_{out}, L_{out})` or :math:`(C_{out}, L_{out})`, where

          .. math::
              L_{out} = \left\lfloor\frac{L_{in} + 2 \times \text{padding} - \text{dilation}
                        \times (K - 1) - 1}{\text{stride}} + 1\right\rfloor

          (with ``'same'``, :math:`2 \times \text{padding}` is :math:`\text{dilation} \times (K -
          1)`).

    Returns:
        numpy.ndarray of the input's float dtype (float64 for integer input).

    Examples::

        >>> x = np.array([[[1.0, 2.0, 3.0, 4.0, 5.0]]])      # N=1, C=1, L=5
        >>> w = np.array([[[1.0, 0.0, -1.0]]])                 # a difference filter
        >>> conv1d(x, w)
        array([[[-2., -2., -2.]]])
        >>> conv1d(x, w, padding="same", padding_mode="replicate")
        array([[[-1., -2., -2., -2., -1.]]])
        >>> rng = np.random.default_rng(0)
        >>> conv1d(rng.normal(size=(20, 16, 50)), rng.normal(size=(33, 16, 3)), stride=2).shape
        (20, 33, 24)
    """
    return _conv_nd(input, weight, bias, stride, padding, dilation, groups, padding_mode, 1)


def conv2d(
    input: Any,
    weight: Any,
    bias: Any = None,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
    padding_mode: str = "zeros",
) -> np.ndarray:
    r"""Apply a 2D convolution (cross-correlation) over an input image made of several channels.

    The numpy twin of :func:`torch.nn.functional.conv2d`, plus the
    ``padding_mode`` of :class:`torch.nn.Conv2d`.

    Args:
        input: input array of shape :math:`(\text{minibatch}, \text{in\_channels}, iH, iW)`
            or unbatched :math:`(\text{in\_channels}, iH, iW)`.
        weight: filters of shape :math:`(\text{out\_channels},
            \frac{\text{in\_channels}}{\text{groups}}, kH, kW)`.
        bias: optional bias of shape :math:`(\text{out\_channels})`. Default: ``None``
        stride: the stride of the convolving kernel, an int or a tuple ``(sH, sW)``. Default: 1
        padding: implicit padding on both sides of the input: an int, a tuple ``(padH, padW)``,
            or the string ``'valid'`` (no padding) or ``'same'`` (the output has the input's
            height and width; stride 1 only; where the total padding
            :math:`\text{dilation} \times (k - 1)` is odd, the extra row goes at the bottom and
            the extra column on the right, as in torch). Default: 0
        dilation: the spacing between kernel elements, an int or a tuple ``(dH, dW)``. Default: 1
        groups: split the input into groups; both ``in_channels`` and ``out_channels``
            must be divisible by it. ``groups = in_channels`` is a depthwise convolution. Default: 1
        padding_mode: what fills the padding: ``'zeros'``, ``'reflect'``, ``'replicate'`` or
            ``'circular'`` (see :func:`convkit.pad`). Default: ``'zeros'``

    Shape:
        - Input: :math:`(N, C_{in}, H_{in}, W_{in})` or :math:`(C_{in}, H_{in}, W_{in})`
        - Weight: :math:`(C_{out}, C_{in} / \text{groups}, K_H, K_W)`
        - Output: :math:`(N, C_{out}, H_{out}, W_{out})` or :math:`(C_{out}, H_{out}, W_{out})`,
          where

          .. math::
              H_{out} = \left\lfloor\frac{H_{in} + 2 \times \text{padding}[0] - \text{dilation}[0]
                        \times (K_H - 1) - 1}{\text{stride}[0]} + 1\right\rfloor

          .. math::
              W_{out} = \left\lfloor\frac{W_{in} + 2 \times \text{padding}[1] - \text{dilation}[1]
                        \times (K_W - 1) - 1}{\text{stride}[1]} + 1\right\rfloor

          (with ``'same'``, :math:`2 \times \text{padding}[i]` is :math:`\text{dilation}[i] \times
          (K_i - 1)`).

    Returns:
        numpy.ndarray of the input's float dtype (float64 for integer input).

    Examples::

        >>> x = np.arange(9.0).reshape(1, 1, 3, 3)            # N=1, C=1, 3x3
        >>> w = np.array([[[[0.0, 1.0], [2.0, 3.0]]]])         # C_out=1, C_in=1, 2x2
        >>> conv2d(x, w)
        array([[[[19., 25.],
                 [37., 43.]]]])
        >>> conv2d(x, w, bias=np.array([1.0]), padding=1, stride=2)
        array([[[[ 1.,  9.],
                 [22., 44.]]]])
        >>> rng = np.random.default_rng(0)
        >>> filters = rng.normal(size=(8, 4, 3, 3))
        >>> inputs = rng.normal(size=(1, 4, 5, 5))
        >>> conv2d(inputs, filters, padding=1).shape
        (1, 8, 5, 5)
        >>> conv2d(inputs, rng.normal(size=(4, 1, 3, 3)), groups=4, dilation=2,
        ...     padding="same").shape
        (1, 4, 5, 5)
    """
    return _conv_nd(input, weight, bias, stride, padding, dilation, groups, padding_mode, 2)


def conv3d(
    input: Any,
    weight: Any,
    bias: Any = None,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
    padding_mode: str = "zeros",
) -> np.ndarray:
    r"""Apply a 3D convolution (cross-correlation) over an input volume made of several channels.

    The numpy twin of :func:`torch.nn.functional.conv3d`, plus the
    ``padding_mode`` of :class:`torch.nn.Conv3d`. For a video clip the first
    spatial dimension is time (frames): :math:`(C, T, H, W)`.

    Args:
        input: input array of shape :math:`(\text{minibatch}, \text{in\_channels}, iT, iH, iW)`
            or unbatched :math:`(\text{in\_channels}, iT, iH, iW)`.
        weight: filters of shape
            :math:`(\text{out\_channels}, \frac{\text{in\_channels}}{\text{groups}}, kT, kH, kW)`.
        bias: optional bias of shape :math:`(\text{out\_channels})`. Default: ``None``
        stride: the stride of the convolving kernel, an int or a tuple ``(sT, sH, sW)``. Default: 1
        padding: implicit padding on both sides of the input: an int, a tuple
            ``(padT, padH, padW)``, or the string ``'valid'`` (no padding) or ``'same'``
            (the output has the input's size; stride 1 only; where the total padding
            :math:`\text{dilation} \times (k - 1)` is odd, the extra slice goes at the end,
            as in torch). Default: 0
        dilation: the spacing between kernel elements, an int or a tuple ``(dT, dH, dW)``. Default:
            1
        groups: split the input into groups; both ``in_channels`` and ``out_channels``
            must be divisible by it. Default: 1
        padding_mode: what fills the padding: ``'zeros'``, ``'reflect'``, ``'replicate'`` or
            ``'circular'`` (see :func:`convkit.pad`). Default: ``'zeros'``

    Shape:
        - Input: :math:`(N, C_{in}, D_{in}, H_{in}, W_{in})` or :math:`(C_{in}, D_{in}, H_{in},
          W_{in})`
        - Weight: :math:`(C_{out}, C_{in} / \text{groups}, K_D, K_H, K_W)`
        - Output: :math:`(N, C_{out}, D_{out}, H_{out}, W_{out})` or
          :math:`(C_{out}, D_{out}, H_{out}, W_{out})`, where, for each spatial dimension
          :math:`i \in \{0, 1, 2\}` (D, H, W),

          .. math::
              \text{out}_i = \left\lfloor\frac{\text{in}_i + 2 \times \text{padding}[i] -
              \text{dilation}[i]
                        \times (K_i - 1) - 1}{\text{stride}[i]} + 1\right\rfloor

          (with ``'same'``, :math:`2 \times \text{padding}[i]` is :math:`\text{dilation}[i] \times
          (K_i - 1)`).

    Returns:
        numpy.ndarray of the input's float dtype (float64 for integer input).

    Examples::

        >>> clip = np.zeros((1, 1, 4, 5, 5))                 # N, C, T, H, W
        >>> clip[0, 0, :, 2, 2] = 1.0                         # one lit pixel in all 4 frames
        >>> w = np.ones((1, 1, 2, 3, 3))                      # 2 frames x 3 x 3
        >>> out = conv3d(clip, w)
        >>> out.shape
        (1, 1, 3, 3, 3)
        >>> out[0, 0, 0]
        array([[2., 2., 2.],
               [2., 2., 2.],
               [2., 2., 2.]])
        >>> rng = np.random.default_rng(0)
        >>> conv3d(rng.normal(size=(2, 4, 8, 9, 9)), rng.normal(size=(6, 2, 3, 3, 3)),
        ...        stride=(1, 2, 2), padding=1, groups=2).shape
        (2, 6, 8, 5, 5)
    """
    return _conv_nd(input, weight, bias, stride, padding, dilation, groups, padding_mode, 3)


def conv_output_size(
    input_size: Any, kernel_size: Any, stride: Any = 1, padding: Any = 0, dilation: Any = 1
) -> Any:
    r"""The spatial output size of a convolution (the formula in :func:`conv2d`'s Shape).

    .. math::
        \text{out} = \left\lfloor\frac{\text{in} + 2 \times \text{padding} - \text{dilation}
                     \times (\text{kernel\_size} - 1) - 1}{\text{stride}}\right\rfloor + 1

    Works elementwise: if any argument is a tuple the result is a tuple of
    that length (ints are repeated); if all are ints the result is an int.

    Args:
        input_size (int or tuple): the input's spatial size, e.g. ``H`` or ``(H, W)``.
        kernel_size (int or tuple): the kernel's size.
        stride (int or tuple): Default: 1
        padding (int, tuple, ``'valid'`` or ``'same'``): padding added to *both* sides. ``'same'``
            (stride 1 only) gives back ``input_size``. Default: 0
        dilation (int or tuple): Default: 1

    Returns:
        int or tuple of ints.

    Raises:
        ValueError: when the dilated kernel is larger than the padded input (the
            output would be empty), or on a non-positive size, stride or dilation
            or a negative padding.

    Examples::

        >>> conv_output_size(32, 5)                    # LeNet's first layer
        28
        >>> conv_output_size(224, 11, stride=4, padding=2)   # AlexNet's first layer
        55
        >>> conv_output_size((7, 8), 3, stride=2, padding=1)
        (4, 4)
        >>> conv_output_size(5, 3, dilation=2, padding="same")
        5
    """
    args = {
        "input_size": input_size,
        "kernel_size": kernel_size,
        "stride": stride,
        "dilation": dilation,
    }
    if not isinstance(padding, str):
        args["padding"] = padding
    lengths = {len(v) for v in args.values() if isinstance(v, (tuple, list))}
    if len(lengths) > 1:
        raise ValueError(
            f"the tuple arguments of conv_output_size must have the same length, got {args}"
        )
    as_tuple = bool(lengths)
    n = lengths.pop() if lengths else 1
    sizes = positive_tuple(input_size, n, "input_size")
    ks = positive_tuple(kernel_size, n, "kernel_size")
    st = positive_tuple(stride, n, "stride")
    dil = positive_tuple(dilation, n, "dilation")
    widths = _resolve_padding(padding, n, st, dil, ks)
    out = []
    for i, k, s, d_, (pb, pa) in zip(sizes, ks, st, dil, widths, strict=False):
        span = d_ * (k - 1) + 1
        if i + pb + pa < span:
            raise ValueError(
                f"kernel_size {k} (dilated to {span}) can't be "
                f"greater than the padded input size {i + pb + pa}"
            )
        out.append((i + pb + pa - span) // s + 1)
    return tuple(out) if as_tuple else out[0]


def merge_convs(
    weight1: Any, bias1: Any, weight2: Any, bias2: Any
) -> tuple[np.ndarray, np.ndarray]:
    r"""The single convolution equal to two stacked linear convolutions.

    ``conv2d(conv2d(x, weight1, bias1), weight2, bias2) == conv2d(x, weight, bias)``
    for valid (unpadded), stride-1 convolutions with no nonlinearity in between:
    depth without a nonlinearity adds no expressive power. The merged kernel is
    itself a convolution of the two kernels,

    .. math::
        w(o, c, u) = \sum_m \sum_v w_2(o, m, v)\, w_1(m, c, u - v), \qquad
        b(o) = b_2(o) + \sum_m \sum_v w_2(o, m, v)\, b_1(m),

    computed here with :func:`conv2d` itself (``weight1`` read as ``C_in`` images
    of ``C_mid`` channels, ``weight2`` flipped, padding ``k2 - 1``).

    Args:
        weight1: ``(C_mid, C_in, k1, k1)`` kernel of the first layer.
        bias1: ``(C_mid,)`` bias of the first layer.
        weight2: ``(C_out, C_mid, k2, k2)`` kernel of the second layer.
        bias2: ``(C_out,)`` bias of the second layer.

    Shape:
        - Returns ``weight`` of shape :math:`(C_{out}, C_{in}, k_1 + k_2 - 1, k_1 + k_2 - 1)`
          and ``bias`` of shape :math:`(C_{out},)`.

    Examples::

        >>> rng = np.random.default_rng(0)
        >>> x = rng.standard_normal((1, 2, 9, 9))
        >>> w1, b1 = rng.standard_normal((3, 2, 3, 3)), rng.standard_normal(3)
        >>> w2, b2 = rng.standard_normal((4, 3, 3, 3)), rng.standard_normal(4)
        >>> w, b = merge_convs(w1, b1, w2, b2)
        >>> w.shape
        (4, 2, 5, 5)
        >>> bool(np.allclose(conv2d(conv2d(x, w1, b1), w2, b2), conv2d(x, w, b)))
        True
    """
    w1, w2 = np.asarray(weight1, dtype=float), np.asarray(weight2, dtype=float)
    b1, b2 = np.asarray(bias1, dtype=float), np.asarray(bias2, dtype=float)
    if w1.ndim != 4 or w2.ndim != 4:
        raise ValueError(
            "weight1 and weight2 must be 4-D (C_out, C_in, "
            f"kH, kW), got ndim {w1.ndim} and {w2.ndim}"
        )
    if w2.shape[1] != w1.shape[0]:
        raise ValueError(
            f"weight2 expects {w2.shape[1]} input channels but weight1 produces {w1.shape[0]}"
        )
    if b1.shape != (w1.shape[0],) or b2.shape != (w2.shape[0],):
        raise ValueError(
            f"bias1 must have shape ({w1.shape[0]},) and bias2 "
            f"({w2.shape[0]},), got {b1.shape} and {b2.shape}"
        )
    kh, kw = w2.shape[2:]
    w = conv2d(w1.transpose(1, 0, 2, 3), w2[:, :, ::-1, ::-1], padding=(kh - 1, kw - 1)).transpose(
        1, 0, 2, 3
    )
    b = b2 + w2.sum(axis=(2, 3)) @ b1
    return np.ascontiguousarray(w), b
