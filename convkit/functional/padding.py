"""Padding an array's trailing dimensions, with :func:`torch.nn.functional.pad`'s convention."""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

from convkit._validation import as_float_array, check_int

__all__ = ["pad", "PAD_MODES"]

#: The ``mode`` values :func:`pad` accepts; ``"zeros"`` is an alias of ``"constant"``
#: (the name :class:`torch.nn.Conv2d` uses for the same thing).
PAD_MODES = ("constant", "zeros", "reflect", "replicate", "circular")

_NUMPY_MODE: dict[str, Any] = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def _pad_widths(pad_arg: Any, ndim: int) -> list[tuple[int, int]]:
    """Turn torch's flat, last-dimension-first ``pad`` into numpy's per-dimension pairs."""
    if isinstance(pad_arg, np.ndarray):
        pad_arg = pad_arg.tolist()
    if not isinstance(pad_arg, Sequence) or isinstance(pad_arg, (str, bytes)):
        raise TypeError(f"pad must be a tuple of ints, got {type(pad_arg).__name__} {pad_arg!r}")
    values = [check_int(p, "pad") for p in pad_arg]
    if len(values) % 2:
        raise ValueError(
            f"pad must have an even length (pairs of (before, after)), got length {len(values)}"
        )
    if len(values) // 2 > ndim:
        raise ValueError(
            f"pad has {len(values)} entries, which pads {len(values) // 2} dimensions, "
            f"but input has only {ndim} dimension(s)"
        )
    widths = [(0, 0)] * ndim
    for i in range(len(values) // 2):
        widths[ndim - 1 - i] = (values[2 * i], values[2 * i + 1])
    return widths


def pad(
    input: Any, pad: Sequence[int], mode: str = "constant", value: float | None = None
) -> np.ndarray:
    r"""Pad the trailing dimensions of ``input``, exactly as :func:`torch.nn.functional.pad`.

    ``pad`` is a flat tuple of ``(before, after)`` pairs that starts from the
    **last** dimension and moves forward: ``(left, right)`` pads the last
    dimension only; ``(left, right, top, bottom)`` pads the last two;
    ``(left, right, top, bottom, front, back)`` the last three. Dimensions not
    named are left alone.

    The modes, shown on the row ``[1, 2, 3, 4]`` padded by 2 on each side:

    ============  ==============================  ===================================
    mode          result                          rule
    ============  ==============================  ===================================
    constant      ``0 0 | 1 2 3 4 | 0 0``         fill with ``value`` (default 0)
    reflect       ``3 2 | 1 2 3 4 | 3 2``         mirror, the edge sample not repeated
    replicate     ``1 1 | 1 2 3 4 | 4 4``         repeat the edge sample
    circular      ``3 4 | 1 2 3 4 | 1 2``         wrap around (periodic signal)
    ============  ==============================  ===================================

    ``"zeros"`` is accepted as an alias of ``"constant"``. A negative entry
    crops that side instead of padding it (as in torch); the crop happens
    first, then the padding, so ``circular`` wraps the cropped array.

    Args:
        input (array_like): the array to pad, any number of dimensions.
        pad (tuple of ints): ``(before, after)`` pairs from the last dimension
            forward; its length is even and at most ``2 * input.ndim``.
        mode (str): ``'constant'`` (alias ``'zeros'``), ``'reflect'``,
            ``'replicate'`` or ``'circular'``. Default: ``'constant'``
        value (float, optional): fill value for ``'constant'``; the other modes
            refuse it, as torch does. Default: ``None`` (meaning 0)

    Restrictions (same as torch): ``'reflect'`` needs every pad to be smaller
    than the size of its dimension; ``'circular'`` needs it to be at most that
    size (it wraps around once); ``'replicate'`` needs a non-empty dimension.
    Unlike torch, the non-constant modes are not limited to 1 to 3 padded
    dimensions of a (batched) 2-D to 5-D input.

    Shape:
        - Input: :math:`(*, D_1, \dots, D_m)` where :math:`m = \text{len(pad)} / 2`
        - Output: :math:`(*, D_1', \dots, D_m')` where
          :math:`D_j' = D_j + \text{before}_j + \text{after}_j`

    Returns:
        numpy.ndarray: a new array; floating input keeps its dtype, integer or
        bool input becomes float64 (torch refuses non-float input for the
        non-constant modes; here every mode returns floats).

    Examples::

        >>> row = np.array([[1.0, 2.0, 3.0, 4.0]])
        >>> for m in ["constant", "reflect", "replicate", "circular"]:
        ...     print(m, pad(row, (2, 2), mode=m)[0])
        constant [0. 0. 1. 2. 3. 4. 0. 0.]
        reflect [3. 2. 1. 2. 3. 4. 3. 2.]
        replicate [1. 1. 1. 2. 3. 4. 4. 4.]
        circular [3. 4. 1. 2. 3. 4. 1. 2.]
        >>> x = np.ones((1, 3, 4, 5))                  # N, C, H, W
        >>> pad(x, (1, 2)).shape                       # last dim: W + 1 + 2
        (1, 3, 4, 8)
        >>> pad(x, (1, 1, 0, 3), value=-1.0).shape     # W + 2, H + 3
        (1, 3, 7, 7)
        >>> pad(np.arange(5.0), (-1, 1), mode="circular")   # crop 1 on the left, then wrap
        array([1., 2., 3., 4., 1.])
    """
    x = as_float_array(input, "input")
    if not isinstance(mode, str):
        raise TypeError(f"mode must be a str, got {type(mode).__name__} {mode!r}")
    if mode not in PAD_MODES:
        allowed = ", ".join(repr(m) for m in PAD_MODES)
        raise ValueError(f"mode must be one of {allowed}, got {mode!r}")
    if mode == "zeros":
        mode = "constant"
    if value is not None:
        if mode != "constant":
            raise ValueError(
                "value is only used by mode='constant'; "
                f"padding mode {mode!r} does not take a value"
            )
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
            raise TypeError(f"value must be a real number, got {type(value).__name__} {value!r}")
    widths = _pad_widths(pad, x.ndim)

    for d, (b, a) in enumerate(widths):
        if max(-b, 0) + max(-a, 0) > x.shape[d]:
            raise ValueError(
                f"pad crops {max(-b, 0) + max(-a, 0)} entries from dimension {d} of input, "
                f"which has only {x.shape[d]}"
            )
    crop = tuple(slice(max(-b, 0), x.shape[d] - max(-a, 0)) for d, (b, a) in enumerate(widths))
    grow = [(max(b, 0), max(a, 0)) for b, a in widths]
    # The padding of one side never depends on the other side's crop, except in
    # 'circular' mode, where torch crops first and then wraps the cropped array.
    # 'reflect' and 'replicate' read only the near edge, so they pad the original
    # input (and are checked against its size, as in torch), then crop.
    if mode == "circular":
        x = x[crop]

    if mode == "constant":
        x = x[crop]
        fill = 0.0 if value is None else float(value)
        out_shape = tuple(s + b + a for s, (b, a) in zip(x.shape, grow, strict=False))
        out = np.full(out_shape, fill, dtype=x.dtype)
        inner = tuple(slice(b, b + s) for s, (b, _) in zip(x.shape, grow, strict=False))
        out[inner] = x
        return out

    for d, (b, a) in enumerate(grow):
        size = x.shape[d]
        if b == 0 and a == 0:
            continue
        if mode == "reflect" and (b >= size or a >= size):
            raise ValueError(
                f"pad ({b}, {a}) for mode 'reflect' must be smaller than dimension {d} of input, "
                f"which has size {size}"
            )
        if mode == "circular" and (b > size or a > size):
            raise ValueError(
                f"pad ({b}, {a}) for mode 'circular' must be at most dimension {d} of input "
                f"(size {size} after cropping): it would wrap around more than once"
            )
        if mode == "replicate" and size == 0:
            raise ValueError(
                f"pad with mode 'replicate' needs a non-empty dimension {d} of input, got size 0"
            )
    out = np.pad(x, grow, mode=_NUMPY_MODE[mode])
    if mode == "circular":
        return out
    # crop the negative sides (a side is either padded or cropped, never both)
    return out[
        tuple(
            slice(max(-b, 0), n - max(-a, 0)) for n, (b, a) in zip(out.shape, widths, strict=False)
        )
    ]
