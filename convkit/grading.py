"""Helpers that the assignments' test cells use to compare a student's answer.

They are strict on purpose: the answer must be a real numpy array (or number)
of the expected shape, and a mismatch is reported with the first index that
differs, so a failing visible test tells the student what to look at.
"""

from __future__ import annotations

import numbers

import numpy as np


def check_array(actual, expected, name: str = "result", *, rtol: float = 1e-6, atol: float = 1e-8) -> None:
    """Assert that ``actual`` is an ndarray equal to ``expected`` within a tolerance.

    Args:
        actual: what the student's code returned.
        expected: the reference value (anything ``np.asarray`` accepts).
        name: how to call the value in the failure message.
        rtol, atol: tolerances as in :func:`numpy.allclose`.

    Raises:
        AssertionError: with a message naming the type, shape or first index that differs.

    Examples::

        >>> check_array(np.array([1.0, 2.0]), [1.0, 2.0])
        >>> check_array(np.array([1.0, 2.5]), [1.0, 2.0], "y")
        Traceback (most recent call last):
        ...
        AssertionError: y differs at index (1,): got 2.5, expected 2.0 (1 of 2 entries differ)
    """
    if type(actual) is not np.ndarray:
        raise AssertionError(f"{name} should be a numpy.ndarray, got {type(actual).__name__}")
    expected = np.asarray(expected, dtype=float)
    if actual.dtype.kind not in "biuf":
        raise AssertionError(f"{name} should hold real numbers, got dtype {actual.dtype}")
    if actual.shape != expected.shape:
        raise AssertionError(f"{name} has shape {actual.shape}, expected {expected.shape}")
    got = np.asarray(actual, dtype=float)
    bad = ~np.isclose(got, expected, rtol=rtol, atol=atol, equal_nan=False)
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        raise AssertionError(
            f"{name} differs at index {idx}: got {float(got[idx])!r}, expected {float(expected[idx])!r} "
            f"({int(bad.sum())} of {bad.size} entries differ)"
        )


def check_number(actual, expected, name: str = "result", *, rtol: float = 1e-9) -> None:
    """Assert that ``actual`` is a real number (not a bool or array) close to ``expected``.

    Examples::

        >>> check_number(154_140_672, 154_140_672, "weights")
        >>> check_number(3.0, 4, "size")
        Traceback (most recent call last):
        ...
        AssertionError: size is 3.0, expected 4
    """
    if isinstance(actual, (bool, np.bool_)) or not isinstance(actual, (numbers.Real, np.integer, np.floating)):
        raise AssertionError(f"{name} should be a number, got {type(actual).__name__}")
    if not np.isclose(float(actual), float(expected), rtol=rtol, atol=0):
        raise AssertionError(f"{name} is {actual!r}, expected {expected!r}")


def check_shape(actual, expected: tuple, name: str = "shape") -> None:
    """Assert that ``actual`` is a tuple of ints equal to ``expected``.

    Examples::

        >>> check_shape((1, 2, 3), (1, 2, 3))
        >>> check_shape([1, 2], (1, 2))
        Traceback (most recent call last):
        ...
        AssertionError: shape should be a tuple, got list
    """
    if not isinstance(actual, tuple):
        raise AssertionError(f"{name} should be a tuple, got {type(actual).__name__}")
    if len(actual) != len(expected) or any(
        isinstance(a, bool) or not isinstance(a, (int, np.integer)) or a != e for a, e in zip(actual, expected)
    ):
        raise AssertionError(f"{name} is {actual!r}, expected {tuple(expected)!r}")
