"""Shared argument checks for convkit: the one place for each rule.

Every public function normalises its arguments through these helpers, so a bad
argument always fails the same way: a :class:`TypeError` when the *kind* of
value is wrong (a float or a bool where an int is needed, a string where a
tuple is needed) and a :class:`ValueError` when the value is of the right kind
but out of range. Each message starts with the argument's name, as torch's do,
so ``pytest.raises(ValueError, match="stride")`` can tell the cases apart.

Every public function of convkit (numpy and torch parts alike) checks its
arguments here, so the same mistake gives the same error type and message
everywhere (``stride=0``: ``ValueError: stride must be positive, got (0, 0)``).
These are private helpers (the leading underscore): chapters import the public
functions from :mod:`convkit`, not these.
"""

from __future__ import annotations

import math
import numbers
from typing import Any, TypeVar

import numpy as np

__all__ = [
    "as_float_array",
    "as_real_array",
    "as_generator",
    "is_int",
    "check_int",
    "positive_int",
    "nonnegative_int",
    "int_at_least",
    "check_bool",
    "check_real",
    "positive_real",
    "nonnegative_real",
    "check_probability",
    "check_ndim",
    "ntuple",
    "positive_tuple",
    "positive_real_tuple",
    "nonnegative_tuple",
    "check_groups",
    "PADDING_MODES",
    "check_padding_mode",
]

_Number = TypeVar("_Number", int, float)

#: The ``padding_mode`` values accepted by the convolutions (as :class:`torch.nn.Conv2d`).
PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def is_int(value: Any) -> bool:
    """Whether ``value`` is an int in torch's sense: a Python or numpy integer, not a bool.

    Examples::

        >>> is_int(3), is_int(np.int64(3)), is_int(True), is_int(3.0)
        (True, True, False, False)
    """
    return isinstance(value, (numbers.Integral, np.integer)) and not isinstance(
        value, (bool, np.bool_)
    )


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
    if not is_int(value):
        raise TypeError(f"{name} must be an int, got {type(value).__name__} {value!r}")
    return int(value)


def _signed(value: _Number, name: str, *, positive: bool) -> _Number:
    """``value`` if it is > 0 (``positive``) or >= 0, else ``ValueError`` naming ``name``."""
    if value < 0 or (positive and value == 0):
        raise ValueError(
            f"{name} must be {'positive' if positive else 'non-negative'}, got {value}"
        )
    return value


def positive_int(value: Any, name: str) -> int:
    """:func:`check_int`, then require ``value >= 1`` (``ValueError`` otherwise).

    Examples::

        >>> positive_int(0, "groups")
        Traceback (most recent call last):
        ...
        ValueError: groups must be positive, got 0
    """
    return _signed(check_int(value, name), name, positive=True)


def nonnegative_int(value: Any, name: str) -> int:
    """:func:`check_int`, then require ``value >= 0`` (``ValueError`` otherwise).

    Examples::

        >>> nonnegative_int(-1, "padding")
        Traceback (most recent call last):
        ...
        ValueError: padding must be non-negative, got -1
    """
    return _signed(check_int(value, name), name, positive=False)


def int_at_least(value: Any, minimum: int, name: str) -> int:
    """:func:`check_int`, then require ``value >= minimum`` (``ValueError`` otherwise).

    Examples::

        >>> int_at_least(1, 2, "num_frames")
        Traceback (most recent call last):
        ...
        ValueError: num_frames must be >= 2, got 1
    """
    value = check_int(value, name)
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return value


def check_bool(value: Any, name: str) -> bool:
    """Return ``value`` as a Python bool; anything but ``bool``/``numpy.bool_`` is a ``TypeError``.

    Examples::

        >>> check_bool(1, "bias")
        Traceback (most recent call last):
        ...
        TypeError: bias must be a bool, got int 1
    """
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be a bool, got {type(value).__name__} {value!r}")
    return bool(value)


def check_real(value: Any, name: str) -> float:
    """Return a finite real number as a float; ``bool`` and non-numbers are a ``TypeError``.

    Examples::

        >>> check_real(2, "scale")
        2.0
        >>> check_real(float("nan"), "scale")
        Traceback (most recent call last):
        ...
        ValueError: scale must be finite, got nan
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(
        value, (numbers.Real, np.integer, np.floating)
    ):
        raise TypeError(f"{name} must be a number, got {type(value).__name__} {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    return value


def positive_real(value: Any, name: str) -> float:
    """:func:`check_real`, then require ``value > 0``.

    Examples::

        >>> positive_real(0.0, "lr")
        Traceback (most recent call last):
        ...
        ValueError: lr must be positive, got 0.0
    """
    return _signed(check_real(value, name), name, positive=True)


def nonnegative_real(value: Any, name: str) -> float:
    """:func:`check_real`, then require ``value >= 0``.

    Examples::

        >>> nonnegative_real(-0.5, "degrees")
        Traceback (most recent call last):
        ...
        ValueError: degrees must be non-negative, got -0.5
    """
    return _signed(check_real(value, name), name, positive=False)


def check_probability(value: Any, name: str, *, include_one: bool = True) -> float:
    """:func:`check_real`, then require ``0 <= value <= 1`` (``< 1`` with ``include_one=False``).

    Examples::

        >>> check_probability(0.25, "p")
        0.25
        >>> check_probability(1.0, "dropout", include_one=False)
        Traceback (most recent call last):
        ...
        ValueError: dropout must lie in [0, 1), got 1.0
    """
    value = check_real(value, name)
    if not (0.0 <= value <= 1.0 if include_one else 0.0 <= value < 1.0):
        raise ValueError(f"{name} must lie in [0, 1{']' if include_one else ')'}, got {value}")
    return value


def as_generator(rng: Any) -> np.random.Generator:
    """``None`` -> a fresh generator, an int -> a seeded one, a ``Generator`` -> itself.

    Examples::

        >>> bool(as_generator(0).integers(10) == np.random.default_rng(0).integers(10))
        True
        >>> as_generator(-1)
        Traceback (most recent call last):
        ...
        ValueError: rng as a seed must be non-negative, got -1
    """
    if rng is None:
        return np.random.default_rng()
    if isinstance(rng, np.random.Generator):
        return rng
    if is_int(rng):
        if rng < 0:
            raise ValueError(f"rng as a seed must be non-negative, got {rng}")
        return np.random.default_rng(int(rng))
    raise TypeError(
        f"rng must be a numpy.random.Generator, an int seed or None, got {type(rng).__name__}"
    )


def ntuple(value: Any, n: int, name: str) -> tuple[int, ...]:
    """Normalise an int-or-tuple argument to a tuple of ``n`` ints.

    An int is repeated ``n`` times; a tuple or list must have exactly ``n``
    integer entries, or one (repeated, as torch's ``expand_param_if_needed`` does).

    Raises:
        TypeError: ``value`` is neither an int nor a sequence of ints.
        ValueError: the sequence does not have ``n`` entries.

    Examples::

        >>> ntuple(3, 2, "kernel_size")
        (3, 3)
        >>> ntuple((1, 2), 2, "stride")
        (1, 2)
        >>> ntuple((1, 2, 3), 2, "s")
        Traceback (most recent call last):
        ...
        ValueError: s must be an int or a tuple of 2 ints, got a sequence of length 3: (1, 2, 3)
    """
    if isinstance(value, (tuple, list, np.ndarray)):
        seq = tuple(value.tolist() if isinstance(value, np.ndarray) else value)
        if len(seq) == 1:
            seq = seq * n
        if len(seq) != n:
            raise ValueError(
                f"{name} must be an int or a tuple of {n} ints, got "
                f"a sequence of length {len(seq)}: {tuple(seq)!r}"
            )
        return tuple(check_int(v, name) for v in seq)
    if not is_int(value):
        raise TypeError(
            f"{name} must be an int or a tuple of {n} ints, got {type(value).__name__} {value!r}"
        )
    return (int(value),) * n


def positive_real_tuple(value: Any, n: int, name: str) -> tuple[float, ...]:
    """A positive finite number, or a tuple of ``n`` (or one) of them, as a tuple of ``n`` floats.

    Examples::

        >>> positive_real_tuple(2, 2, "scale_factor")
        (2.0, 2.0)
        >>> positive_real_tuple((1.5, 0), 2, "scale_factor")
        Traceback (most recent call last):
        ...
        ValueError: scale_factor must be positive, got 0.0
    """
    if isinstance(value, (tuple, list, np.ndarray)):
        seq = tuple(value.tolist() if isinstance(value, np.ndarray) else value)
        if len(seq) == 1:
            seq = seq * n
        if len(seq) != n:
            raise ValueError(
                f"{name} must be a number or a tuple of {n} numbers, got a sequence of length "
                f"{len(seq)}: {tuple(seq)!r}"
            )
        return tuple(positive_real(v, name) for v in seq)
    return (positive_real(value, name),) * n


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


def widths_tuple(value: Any, n: int, name: str = "widths") -> tuple[int, ...]:
    """A tuple or list of exactly ``n`` positive ints (a network's channel widths); an int is
    not accepted, since one width for every block is rarely what was meant.

    Examples::

        >>> widths_tuple([16, 32, 64], 3)
        (16, 32, 64)
        >>> widths_tuple((16, 32), 3)
        Traceback (most recent call last):
        ...
        TypeError: widths must be a tuple of 3 ints, got (16, 32)
    """
    if not isinstance(value, (tuple, list)) or len(value) != n:
        raise TypeError(f"{name} must be a tuple of {n} ints, got {value!r}")
    return tuple(positive_int(v, f"{name}[{i}]") for i, v in enumerate(value))


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
        raise ValueError(
            f"groups={groups} must divide out_channels, but out_channels={out_channels}"
        )
    return groups


def check_padding_mode(padding_mode: Any) -> str:
    """Return ``padding_mode`` if it is one of :data:`PADDING_MODES`.

    Examples::

        >>> check_padding_mode("reflect")
        'reflect'
        >>> check_padding_mode("mirror")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        ValueError: padding_mode must be one of 'zeros', 'reflect', ..., got 'mirror'
    """
    if not isinstance(padding_mode, str):
        raise TypeError(
            f"padding_mode must be a str, got {type(padding_mode).__name__} {padding_mode!r}"
        )
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

        >>> check_ndim(np.zeros((2, 3)), (3, 4), "input",
        ...            "(C, H, W) or (N, C, H, W)")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        ValueError: input must be 3-D or 4-D (C, H, W) or (N, C, H, W), got an array of ...(2-D)
    """
    if x.ndim not in allowed:
        dims = " or ".join(f"{d}-D" for d in allowed)
        detail = f" {what}" if what else ""
        raise ValueError(
            f"{name} must be {dims}{detail}, got an array of shape {x.shape} ({x.ndim}-D)"
        )


def as_real_array(
    x: Any, name: str, ndims: tuple[int, ...] | None = None, what: str = ""
) -> np.ndarray:
    """``np.asarray(x)`` (lists and nested lists accepted) holding ints or floats, dtype kept.

    With ``ndims``, also :func:`check_ndim` (``what`` names the axes).

    Examples::

        >>> as_real_array([[1, 2], [3, 4]], "input").dtype.kind
        'i'
        >>> as_real_array(np.array(["a"]), "input")
        Traceback (most recent call last):
        ...
        TypeError: input must hold real numbers, got dtype <U1
    """
    try:
        arr = np.asarray(x)
    except (TypeError, ValueError) as exc:  # ragged lists and the like
        raise TypeError(f"{name} must be an array of real numbers: {exc}") from None
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"{name} must hold real numbers, got dtype {arr.dtype}")
    if ndims is not None:
        check_ndim(arr, ndims, name, what)
    return arr
