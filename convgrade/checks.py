"""Checks that the assignments' test cells use to compare a student's answer.

They are strict on purpose: the answer must be a real numpy array (or number) of the expected
shape, and a mismatch is reported with the first index that differs, so a failing visible test
tells the student what to look at. The student's object is never compared with ``==``: an object
whose ``__eq__`` always returns ``True`` is rejected by the type checks.

A failing check shows the student the line of the test cell and the message, not the helper's
own code: every check sets ``__tracebackhide__`` (pytest leaves such frames out), and its
``AssertionError`` carries ``_render_traceback_``, which IPython calls to draw the traceback: the
same traceback without the helpers' frames (IPython itself always shows the frame that raised).
"""

from __future__ import annotations

import sys
import traceback
import types

import numpy as np

__all__ = ["FLOAT32_ATOL", "FLOAT32_RTOL", "check_array", "check_number", "check_shape"]

#: Tolerances for an answer computed in single precision (float32, about 7 significant digits):
#: a check's ``rtol``/``atol`` are meant for float64 results and are raised to these when the
#: student's value is float32, so that an answer written with ``dtype=np.float32`` passes when its
#: values are right (a float32 sum of a few dozen products of values of order 1 is within
#: about 1e-6 of the float64 one); a wrong formula is off by far more.
FLOAT32_RTOL = 1e-5
FLOAT32_ATOL = 1e-5


def _single_precision(value) -> bool:
    return getattr(value, "dtype", None) == np.float32


def check_array(
    actual, expected, name: str = "result", *, rtol: float = 1e-6, atol: float = 1e-8
) -> None:
    """Assert that ``actual`` is an ndarray equal to ``expected`` within a tolerance.

    Args:
        actual: what the student's code returned.
        expected: the reference value (anything ``np.asarray`` accepts).
        name: how to call the value in the failure message.
        rtol, atol: tolerances as in :func:`numpy.allclose`, for a float64 (or integer) answer;
            for a float32 answer at least :data:`FLOAT32_RTOL` and :data:`FLOAT32_ATOL`.

    Raises:
        AssertionError: with a message naming the type, shape or first index that differs.

    Examples::

        >>> check_array(np.array([1.0, 2.0]), [1.0, 2.0])
        >>> check_array(np.array([1.0, 2.5]), [1.0, 2.0], "y")
        Traceback (most recent call last):
        ...
        AssertionError: y differs at index (1,): got 2.5, expected 2.0 (1 of 2 entries differ)
        >>> check_array(np.float32([0.1 + 2e-7]), [0.1], rtol=1e-12)   # float32: rtol 1e-5
    """
    __tracebackhide__ = True
    if type(actual) is not np.ndarray:
        raise _failure(f"{name} should be a numpy.ndarray, got {type(actual).__name__}")
    expected = np.asarray(expected, dtype=float)
    if actual.dtype.kind not in "biuf":
        raise _failure(f"{name} should hold real numbers, got dtype {actual.dtype}")
    if _single_precision(actual):
        rtol, atol = max(rtol, FLOAT32_RTOL), max(atol, FLOAT32_ATOL)
    if actual.shape != expected.shape:
        raise _failure(f"{name} has shape {actual.shape}, expected {expected.shape}")
    got = np.asarray(actual, dtype=float)
    bad = ~np.isclose(got, expected, rtol=rtol, atol=atol, equal_nan=False)
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        raise _failure(
            f"{name} differs at index {idx}: got {float(got[idx])!r}, "
            f"expected {float(expected[idx])!r} ({int(bad.sum())} of {bad.size} entries differ)"
        )


def check_number(actual, expected, name: str = "result", *, rtol: float = 1e-9) -> None:
    """Assert that ``actual`` is a real number (not a bool or array) close to ``expected``.

    Only ``int``, ``float`` and numpy's own integer and floating scalar types count as numbers:
    a subclass (which could redefine ``__eq__`` or ``__float__``) is rejected. ``rtol`` is for a
    float64 (or integer) answer; a ``numpy.float32`` one is compared with at least
    :data:`FLOAT32_RTOL`.

    Examples::

        >>> check_number(154_140_672, 154_140_672, "weights")
        >>> check_number(3.0, 4, "size")
        Traceback (most recent call last):
        ...
        AssertionError: size is 3.0, expected 4
    """
    __tracebackhide__ = True
    if not _is_plain_number(actual):
        raise _failure(f"{name} should be a number, got {type(actual).__name__}")
    if _single_precision(actual):
        rtol = max(rtol, FLOAT32_RTOL)
    if not np.isclose(float(actual), float(expected), rtol=rtol, atol=0):
        raise _failure(f"{name} is {actual!r}, expected {expected!r}")


def check_shape(actual, expected: tuple, name: str = "shape") -> None:
    """Assert that ``actual`` is a tuple of ints equal to ``expected``.

    ``actual`` must be a plain ``tuple`` (or a ``torch.Size``) of plain ints or numpy integers;
    subclasses, which could redefine ``__eq__``, are rejected.

    Examples::

        >>> check_shape((1, 2, 3), (1, 2, 3))
        >>> check_shape([1, 2], (1, 2))
        Traceback (most recent call last):
        ...
        AssertionError: shape should be a tuple, got list
        >>> check_shape((2, 3), (2, 4), "y.shape")
        Traceback (most recent call last):
        ...
        AssertionError: y.shape is (2, 3), expected (2, 4) (differs at index 1)
    """
    __tracebackhide__ = True
    if _is_torch_size(actual):
        actual = tuple.__new__(tuple, tuple.__iter__(actual))
    if type(actual) is not tuple:
        raise _failure(f"{name} should be a tuple, got {type(actual).__name__}")
    for i, a in enumerate(actual):
        if not _is_plain_int(a):
            raise _failure(f"{name}[{i}] should be an int, got {type(a).__name__}")
    expected = tuple(int(e) for e in expected)
    got = tuple(int(a) for a in actual)
    if len(got) != len(expected):
        raise _failure(
            f"{name} is {got!r}, expected {expected!r} "
            f"({len(got)} entries instead of {len(expected)})"
        )
    for i, (a, e) in enumerate(zip(got, expected, strict=True)):
        if a != e:
            raise _failure(f"{name} is {got!r}, expected {expected!r} (differs at index {i})")


def _failure(message: str) -> AssertionError:
    """The ``AssertionError`` a check raises, drawn by IPython without the helpers' frames."""
    err = AssertionError(message)
    err._render_traceback_ = lambda: _render_without_helpers(err)  # type: ignore[attr-defined]
    return err


def _is_helper(frame: types.FrameType) -> bool:
    module = frame.f_globals.get("__name__")
    return (
        isinstance(module, str)
        and module.split(".")[0] == "convgrade"
        and frame.f_locals.get("__tracebackhide__") is True
    )


def _render_without_helpers(err: BaseException) -> list[str]:
    kept = []
    tb = err.__traceback__
    while tb is not None:
        if not _is_helper(tb.tb_frame):
            kept.append(tb)
        tb = tb.tb_next
    trimmed = None
    for entry in reversed(kept):
        trimmed = types.TracebackType(trimmed, entry.tb_frame, entry.tb_lasti, entry.tb_lineno)
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is None:
        return "".join(traceback.format_exception(type(err), err, trimmed)).splitlines()
    return shell.InteractiveTB.structured_traceback(type(err), err, trimmed)


def _is_plain_int(value) -> bool:
    """``int`` or one of numpy's integer scalar types, not bool and not a subclass."""
    t = type(value)
    return t is int or (t.__module__ == "numpy" and issubclass(t, np.integer))


def _is_plain_number(value) -> bool:
    """``int``, ``float`` or a numpy integer/floating scalar type, not bool and not a subclass."""
    t = type(value)
    return (
        t is int
        or t is float
        or (t.__module__ == "numpy" and issubclass(t, (np.integer, np.floating)))
    )


def _is_torch_size(value) -> bool:
    """Whether ``value`` is exactly a ``torch.Size`` (torch is not imported for the check)."""
    torch = sys.modules.get("torch")
    return torch is not None and type(value) is torch.Size
