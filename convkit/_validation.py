"""Shared argument checks for convkit's functional API.

Every public function normalises its arguments through these helpers, so a bad
argument always fails the same way: a :class:`TypeError` when the *kind* of
value is wrong (a float or a bool where an int is needed, a string where a
tuple is needed) and a :class:`ValueError` when the value is of the right kind
but out of range. Each message starts with the argument's name, as torch's do,
so ``pytest.raises(ValueError, match="stride")`` can tell the cases apart.

These are private helpers (the leading underscore): chapters import the public
functions from :mod:`convkit`, not these.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

__all__ = [
    "as_float_array",
    "check_int",
    "check_ndim",
    "ntuple",
    "positive_tuple",
    "nonnegative_tuple",
    "check_groups",
    "PADDING_MODES",
    "check_padding_mode",
]

#: The ``padding_mode`` values accepted by the convolutions (as :class:`torch.nn.Conv2d`).
PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def check_int(value: Any, name: str) -> int:
    """Return ``value`` as a Python int, or raise :class:`TypeError` naming ``name``.

    Python ints and numpy integers are accepted; ``bool`` (a subclass of int),
    floats (even ``2.0``), strings and everything else are rejected, as torch
    rejects them.

    Examples::

        >>> check_int(3, "stride")
        3
        >>> check_int(2.0, "stride")
        Traceback (most recent call last):
        ...
        TypeError: stride must be an int, got float 2.0
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {type(value).__name__} {value!r}")
    return int(value)


def ntuple(value: Any, n: int, name: str) -> tuple[int, ...]:
    """Normalise an int-or-tuple argument to a tuple of ``n`` ints.

    An int is repeated ``n`` times; a tuple or list must have exactly ``n``
    integer entries.

    Raises:
        TypeError: ``value`` is neither an int nor a sequence of ints.
        ValueError: the sequence does not have ``n`` entries.

    Examples::

        >>> ntuple(3, 2, "kernel_size")
        (3, 3)
        >>> ntuple((1, 2), 2, "stride")
        (1, 2)
        >>> ntuple((1, 2, 3), 2, "stride")
        Traceback (most recent call last):
        ...
        ValueError: stride must be an int or a tuple of 2 ints, got a sequence of length 3: (1, 2, 3)
    """
    if isinstance(value, (tuple, list, np.ndarray)):
        seq = tuple(value.tolist() if isinstance(value, np.ndarray) else value)
        if len(seq) != n:
            raise ValueError(
                f"{name} must be an int or a tuple of {n} ints, got a sequence of length {len(seq)}: {tuple(seq)!r}"
            )
        return tuple(check_int(v, name) for v in seq)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int or a tuple of {n} ints, got {type(value).__name__} {value!r}")
    return (int(value),) * n


def positive_tuple(value: Any, n: int, name: str) -> tuple[int, ...]:
    """:func:`ntuple`, then require every entry to be >= 1 (``ValueError`` otherwise).

    Examples::

        >>> positive_tuple(0, 2, "dilation")
        Traceback (most recent call last):
        ...
        ValueError: dilation must be positive, got (0, 0)
    """
    out = ntuple(value, n, name)
    if any(v < 1 for v in out):
        raise ValueError(f"{name} must be positive, got {out}")
    return out


def nonnegative_tuple(value: Any, n: int, name: str) -> tuple[int, ...]:
    """:func:`ntuple`, then require every entry to be >= 0 (``ValueError`` otherwise).

    Examples::

        >>> nonnegative_tuple((1, -1), 2, "padding")
        Traceback (most recent call last):
        ...
        ValueError: padding must be non-negative, got (1, -1)
    """
    out = ntuple(value, n, name)
    if any(v < 0 for v in out):
        raise ValueError(f"{name} must be non-negative, got {out}")
    return out


def check_groups(groups: Any, in_channels: int, out_channels: int) -> int:
    """Check that ``groups`` is a positive int dividing both channel counts.

    Examples::

        >>> check_groups(2, 4, 6)
        2
        >>> check_groups(3, 4, 6)
        Traceback (most recent call last):
        ...
        ValueError: groups=3 must divide in_channels, but in_channels=4
    """
    groups = check_int(groups, "groups")
    if groups < 1:
        raise ValueError(f"groups must be positive, got {groups}")
    in_channels = check_int(in_channels, "in_channels")
    out_channels = check_int(out_channels, "out_channels")
    if in_channels < 1:
        raise ValueError(f"in_channels must be positive, got {in_channels}")
    if out_channels < 1:
        raise ValueError(f"out_channels must be positive, got {out_channels}")
    if in_channels % groups:
        raise ValueError(f"groups={groups} must divide in_channels, but in_channels={in_channels}")
    if out_channels % groups:
        raise ValueError(f"groups={groups} must divide out_channels, but out_channels={out_channels}")
    return groups


def check_padding_mode(padding_mode: Any) -> str:
    """Return ``padding_mode`` if it is one of :data:`PADDING_MODES`.

    Examples::

        >>> check_padding_mode("reflect")
        'reflect'
        >>> check_padding_mode("mirror")
        Traceback (most recent call last):
        ...
        ValueError: padding_mode must be one of 'zeros', 'reflect', 'replicate', 'circular', got 'mirror'
    """
    if not isinstance(padding_mode, str):
        raise TypeError(f"padding_mode must be a str, got {type(padding_mode).__name__} {padding_mode!r}")
    if padding_mode not in PADDING_MODES:
        allowed = ", ".join(repr(m) for m in PADDING_MODES)
        raise ValueError(f"padding_mode must be one of {allowed}, got {padding_mode!r}")
    return padding_mode


def as_float_array(x: Any, name: str) -> np.ndarray:
    """Convert ``x`` to a real floating-point ndarray without copying when possible.

    float32 and float64 arrays are returned as they are (float16 is promoted to
    float32); integer, bool and nested-list inputs become float64. Complex,
    object and string data raise :class:`TypeError` naming ``name``.

    Examples::

        >>> as_float_array([[1, 2]], "input").dtype
        dtype('float64')
        >>> as_float_array(np.zeros(2, np.float32), "input").dtype
        dtype('float32')
    """
    try:
        arr = np.asarray(x)
    except (TypeError, ValueError) as exc:  # ragged lists and the like
        raise TypeError(f"{name} must be an array of real numbers: {exc}") from None
    kind = arr.dtype.kind
    if kind == "f":
        if arr.dtype.itemsize < 4:
            return arr.astype(np.float32)
        if arr.dtype.itemsize > 8:
            return arr.astype(np.float64)
        return arr
    if kind in "biu":
        return arr.astype(np.float64)
    raise TypeError(f"{name} must hold real numbers, got dtype {arr.dtype}")


def check_ndim(x: np.ndarray, allowed: tuple[int, ...], name: str, what: str = "") -> None:
    """Raise ``ValueError`` unless ``x.ndim`` is one of ``allowed``.

    ``what`` says what the dimensions mean, e.g. ``"(C, H, W) or (N, C, H, W)"``.

    Examples::

        >>> check_ndim(np.zeros((2, 3)), (3, 4), "input", "(C, H, W) or (N, C, H, W)")
        Traceback (most recent call last):
        ...
        ValueError: input must be 3-D or 4-D (C, H, W) or (N, C, H, W), got an array of shape (2, 3) (2-D)
    """
    if x.ndim not in allowed:
        dims = " or ".join(f"{d}-D" for d in allowed)
        detail = f" {what}" if what else ""
        raise ValueError(f"{name} must be {dims}{detail}, got an array of shape {x.shape} ({x.ndim}-D)")
