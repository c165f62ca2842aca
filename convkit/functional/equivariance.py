"""Measuring how a layer reacts to a shift of its input.

A layer ``f`` is *shift equivariant* when shifting the input shifts the output
by the same amount, ``f(shift(x)) == shift(f(x))``; it is *shift invariant*
when the output does not move at all, ``f(shift(x)) == f(x)``. Chapter 01 uses
these helpers to show that a convolution with circular padding is equivariant
(not invariant), that a fully connected layer is neither, and that a global
pooling after the convolution makes the result invariant.

The shifts here are circular (pixels pushed out on one side come back on the
other), so that the question has an exact answer on a finite image.
"""

from __future__ import annotations

import numbers

import numpy as np

from convkit._validation import check_int

__all__ = ["circular_shift", "equivariance_error", "invariance_error"]


def _check_spatial(x, name: str) -> np.ndarray:
    """An array (lists accepted, any dtype: the shift only moves entries) with axes (..., H, W)."""
    x = np.asarray(x)
    if x.ndim < 2:
        raise ValueError(f"{name} must have at least 2 dimensions (..., H, W), got shape {x.shape}")
    return x


def circular_shift(x: np.ndarray, dy: int, dx: int) -> np.ndarray:
    r"""Shift the last two axes of ``x`` circularly by ``dy`` rows and ``dx`` columns.

    A positive ``dy`` moves the content down, a positive ``dx`` moves it to the
    right; what leaves one border re-enters on the opposite one:

    .. math::
        \text{out}[..., i, j] = x[..., (i - dy) \bmod H, (j - dx) \bmod W]

    Args:
        x (numpy.ndarray): array of shape ``(*, H, W)``.
        dy (int): rows to shift by (any integer, negative moves up).
        dx (int): columns to shift by (any integer, negative moves left).

    Shape:
        - Input: :math:`(*, H, W)`
        - Output: :math:`(*, H, W)`, same as the input.

    Examples::

        >>> x = np.arange(9).reshape(3, 3)
        >>> circular_shift(x, 1, 0)
        array([[6, 7, 8],
               [0, 1, 2],
               [3, 4, 5]])
        >>> circular_shift(x, 0, -1)
        array([[1, 2, 0],
               [4, 5, 3],
               [7, 8, 6]])
        >>> np.array_equal(circular_shift(x, 3, 3), x)
        True
    """
    x = _check_spatial(x, "x")
    dy = check_int(dy, "dy")
    dx = check_int(dx, "dx")
    return np.roll(x, (dy, dx), axis=(-2, -1))


def _call(layer, x: np.ndarray) -> np.ndarray:
    if not callable(layer):
        raise TypeError(f"layer must be callable, got {type(layer).__name__}")
    out = layer(x)
    if isinstance(out, (np.generic, numbers.Real)) and not isinstance(out, (bool, np.bool_)):
        out = np.asarray(out)
    if not isinstance(out, np.ndarray):
        raise TypeError(f"layer must return a numpy.ndarray or a number, got {type(out).__name__}")
    return out


def equivariance_error(layer, x: np.ndarray, dy: int, dx: int) -> float:
    r"""Largest absolute gap between ``layer(shift(x))`` and ``shift(layer(x))``.

    .. math::
        e = \max \left| f(S_{dy,dx}\,x) - S_{dy,dx}\,f(x) \right|

    where :math:`S_{dy,dx}` is :func:`circular_shift`. A layer is shift
    equivariant for this shift when ``e`` is zero up to rounding.

    Args:
        layer (callable): maps an array of shape ``(*, H, W)`` to an array of
            shape ``(*, H', W')``; the shift is applied to the last two axes of
            its output too, so ``H'``, ``W'`` must equal ``H``, ``W`` for the
            comparison to mean anything.
        x (numpy.ndarray): input of shape ``(*, H, W)``.
        dy (int): rows to shift by.
        dx (int): columns to shift by.

    Returns:
        float: the largest absolute difference (``0.0`` for an exact match).

    Shape:
        - x: :math:`(*, H, W)`; ``layer(x)``: :math:`(*, H', W')` with at least 2 dimensions.

    Examples::

        >>> rng = np.random.default_rng(0)
        >>> x = rng.standard_normal((1, 6, 6))
        >>> equivariance_error(np.tanh, x, 2, -1)
        0.0
        >>> W = rng.standard_normal((36, 36))
        >>> mlp = lambda t: (W @ t.reshape(-1)).reshape(t.shape)
        >>> equivariance_error(mlp, x, 2, -1) > 1.0
        True
    """
    x = _check_spatial(x, "x")
    dy = check_int(dy, "dy")
    dx = check_int(dx, "dx")
    out = _call(layer, x)
    if out.ndim < 2:
        raise ValueError(
            f"layer must return an array with at least 2 dimensions to shift, got shape {out.shape}"
        )
    shifted_first = _call(layer, circular_shift(x, dy, dx))
    if shifted_first.shape != out.shape:
        raise ValueError(
            f"layer returned shape {shifted_first.shape} for the shifted input "
            f"but {out.shape} for the input"
        )
    diff = np.abs(
        np.asarray(shifted_first, dtype=float)
        - np.asarray(circular_shift(out, dy, dx), dtype=float)
    )
    return float(diff.max()) if diff.size else 0.0


def invariance_error(layer, x: np.ndarray, dy: int, dx: int) -> float:
    r"""Largest absolute gap between ``layer(shift(x))`` and ``layer(x)``.

    .. math::
        e = \max \left| f(S_{dy,dx}\,x) - f(x) \right|

    A layer is shift invariant for this shift when ``e`` is zero up to rounding.

    Args:
        layer (callable): maps an array of shape ``(*, H, W)`` to an array of
            any shape.
        x (numpy.ndarray): input of shape ``(*, H, W)``.
        dy (int): rows to shift by.
        dx (int): columns to shift by.

    Returns:
        float: the largest absolute difference (``0.0`` for an exact match).

    Shape:
        - x: :math:`(*, H, W)`; ``layer(x)``: any shape, the same for ``x`` and the shifted ``x``.

    Examples::

        >>> rng = np.random.default_rng(0)
        >>> x = rng.standard_normal((2, 5, 5))
        >>> global_mean = lambda t: t.mean(axis=(-2, -1))
        >>> invariance_error(global_mean, x, 1, 3) < 1e-12
        True
        >>> invariance_error(np.tanh, x, 1, 3) > 0.1
        True
    """
    x = _check_spatial(x, "x")
    dy = check_int(dy, "dy")
    dx = check_int(dx, "dx")
    out = _call(layer, x)
    shifted_first = _call(layer, circular_shift(x, dy, dx))
    if shifted_first.shape != out.shape:
        raise ValueError(
            f"layer returned shape {shifted_first.shape} for the shifted input "
            f"but {out.shape} for the input"
        )
    diff = np.abs(np.asarray(shifted_first, dtype=float) - np.asarray(out, dtype=float))
    return float(diff.max()) if diff.size else 0.0
