"""Helpers that the assignments' test cells use to compare a student's answer.

They are strict on purpose: the answer must be a real numpy array (or number)
of the expected shape, and a mismatch is reported with the first index that
differs, so a failing visible test tells the student what to look at. The
student's object is never compared with ``==``: an object whose ``__eq__``
always returns ``True`` is rejected by the type checks.

The second half of the module detects calls into forbidden implementations
(the reference package, ``torch``'s or ``scipy``'s convolutions) while a
student's function runs: :func:`call_student` for one call in a test cell, and
:class:`ForbiddenPolicy`, the matching rules, which the instructor tooling
(``autograder.guard``) also uses for a notebook-wide guard. Detection uses a
profiler hook (:func:`sys.setprofile`), which sees the code object that
actually runs, so a reference function is caught whatever name it was called
through (``f = convkit.conv2d`` captured at import, ``getattr``, a lambda...).
"""

from __future__ import annotations

import fnmatch
import numbers
import sys
import threading

import numpy as np

__all__ = [
    "check_array",
    "check_number",
    "check_shape",
    "ForbiddenCallError",
    "ForbiddenPolicy",
    "DEFAULT_FORBIDDEN",
    "ALWAYS_ALLOWED",
    "TAMPERING",
    "call_student",
]


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

    Only ``int``, ``float`` and numpy's own integer and floating scalar types count as numbers:
    a subclass (which could redefine ``__eq__`` or ``__float__``) is rejected.

    Examples::

        >>> check_number(154_140_672, 154_140_672, "weights")
        >>> check_number(3.0, 4, "size")
        Traceback (most recent call last):
        ...
        AssertionError: size is 3.0, expected 4
    """
    if not _is_plain_number(actual):
        raise AssertionError(f"{name} should be a number, got {type(actual).__name__}")
    if not np.isclose(float(actual), float(expected), rtol=rtol, atol=0):
        raise AssertionError(f"{name} is {actual!r}, expected {expected!r}")


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
    if _is_torch_size(actual):
        actual = tuple.__new__(tuple, tuple.__iter__(actual))
    if type(actual) is not tuple:
        raise AssertionError(f"{name} should be a tuple, got {type(actual).__name__}")
    for i, a in enumerate(actual):
        if not _is_plain_int(a):
            raise AssertionError(f"{name}[{i}] should be an int, got {type(a).__name__}")
    expected = tuple(int(e) for e in expected)
    got = tuple(int(a) for a in actual)
    if len(got) != len(expected):
        raise AssertionError(f"{name} is {got!r}, expected {expected!r} ({len(got)} entries instead of {len(expected)})")
    for i, (a, e) in enumerate(zip(got, expected)):
        if a != e:
            raise AssertionError(f"{name} is {got!r}, expected {expected!r} (differs at index {i})")


def _is_plain_int(value) -> bool:
    """``int`` or one of numpy's integer scalar types, not bool and not a subclass."""
    t = type(value)
    return t is int or (t.__module__ == "numpy" and issubclass(t, np.integer))


def _is_plain_number(value) -> bool:
    """``int``, ``float`` or a numpy integer/floating scalar type, not bool and not a subclass."""
    t = type(value)
    return t is int or t is float or (t.__module__ == "numpy" and issubclass(t, (np.integer, np.floating)))


def _is_torch_size(value) -> bool:
    t = type(value)
    return t.__name__ == "Size" and t.__module__ == "torch" and issubclass(t, tuple)


# --------------------------------------------------------------------------------------------
# Forbidden implementations
# --------------------------------------------------------------------------------------------

#: What a numpy-only exercise may not call: the reference package, torch's and scipy's
#: convolutions and poolings. An entry without ``*`` is a module and everything in it; an entry
#: with ``*`` is a pattern matched against ``module.name`` of a function (Python or built-in).
DEFAULT_FORBIDDEN = (
    "convkit",
    "scipy.signal",
    "scipy.ndimage",
    "torch.nn.functional",
    "torch.nn.modules.conv",
    "torch.nn.modules.pooling",
    "torch.nn.modules.fold",
    "torch.*conv*",
    "torch.*pool*",
    "torch.*im2col*",
    "torch.*col2im*",
)

#: Modules that stay allowed even when a forbidden entry covers them (the test helpers).
ALWAYS_ALLOWED = ("convkit.grading",)

#: Functions that switch profilers and tracers on or off: a student's function may not call them
#: while it is being watched (that would switch the watching off).
TAMPERING = ("sys.setprofile", "sys.settrace", "threading.setprofile", "threading.settrace")


_CO_OPTIMIZED = 0x0001  # inspect.CO_OPTIMIZED: set for functions, not for module or class bodies
_IMPORT_MACHINERY = ("<frozen importlib._bootstrap>", "<frozen importlib._bootstrap_external>")


def _inside_import(frame) -> bool:
    """Whether ``frame`` runs as part of an ``import`` (module code calling helpers at import time)."""
    while frame is not None:
        if frame.f_code.co_filename in _IMPORT_MACHINERY:
            return True
        frame = frame.f_back
    return False


class ForbiddenCallError(AssertionError):
    """A student's function called an implementation the exercise forbids.

    Derived from :class:`AssertionError` so a test cell fails with it the way it fails with a
    wrong value.
    """


def _module_in(module: str, prefixes) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


class ForbiddenPolicy:
    """Which functions count as forbidden implementations.

    Args:
        forbidden: module names (a module and its submodules) and ``*`` patterns matched against
            ``module.name`` of Python functions and of built-in (C) functions.
            Default: :data:`DEFAULT_FORBIDDEN`.
        allow: module names that stay allowed although ``forbidden`` covers them.
            Default: :data:`ALWAYS_ALLOWED`.
        tampering: qualified names of functions that are reported as tampering with the watch
            (:data:`TAMPERING`); pass ``()`` to allow them.

    Shape:
        :meth:`python_function` and :meth:`builtin_function` return the qualified name
        ``module.name`` of a forbidden function, or ``None``; results are cached per code object
        and per ``(module, name)``.

    Examples::

        >>> import convkit.functional.conv, convkit.grading
        >>> policy = ForbiddenPolicy()
        >>> policy.code_name(convkit.functional.conv.conv2d.__code__, "convkit.functional.conv")
        'convkit.functional.conv.conv2d'
        >>> policy.code_name(convkit.grading.check_array.__code__, "convkit.grading") is None
        True
        >>> policy.builtin_name(len) is None
        True
        >>> ForbiddenPolicy(["numpy.*convolve*"]).builtin_name(np.convolve)
        'numpy.convolve'
    """

    def __init__(self, forbidden=DEFAULT_FORBIDDEN, allow=ALWAYS_ALLOWED, tampering=TAMPERING):
        if isinstance(forbidden, str) or isinstance(allow, str) or isinstance(tampering, str):
            raise TypeError("forbidden, allow and tampering must be sequences of strings, not a string")
        for arg_name, values in (("forbidden", forbidden), ("allow", allow), ("tampering", tampering)):
            for v in values:
                if not isinstance(v, str) or not v:
                    raise TypeError(f"{arg_name} entries must be non-empty strings, got {v!r}")
        self.forbidden = tuple(forbidden)
        self.allow = tuple(allow)
        self.tampering = frozenset(tampering)
        self._modules = tuple(f for f in self.forbidden if "*" not in f)
        self._patterns = tuple(f for f in self.forbidden if "*" in f)
        self._module_cache: dict[str, bool] = {}
        self._code_cache: dict = {}
        self._builtin_cache: dict = {}

    def __repr__(self) -> str:
        return f"ForbiddenPolicy(forbidden={list(self.forbidden)!r}, allow={list(self.allow)!r})"

    def _name_forbidden(self, module: str, qualname: str) -> bool:
        if _module_in(module, self.allow):
            return False
        hit = self._module_cache.get(module)
        if hit is None:
            hit = self._module_cache[module] = _module_in(module, self._modules)
        if hit:
            return True
        full = f"{module}.{qualname}"
        return any(fnmatch.fnmatchcase(full, p) for p in self._patterns)

    def code_name(self, code, module) -> str | None:
        """Qualified name of the Python function with ``code`` in ``module`` if it is forbidden."""
        try:
            return self._code_cache[code]
        except KeyError:
            pass
        if not code.co_flags & _CO_OPTIMIZED:
            # a module or class body running: an import, not a call
            self._code_cache[code] = None
            return None
        module = module if isinstance(module, str) else ""
        qualname = getattr(code, "co_qualname", code.co_name)
        full = f"{module}.{qualname}"
        result = full if (full in self.tampering or (module and self._name_forbidden(module, qualname))) else None
        self._code_cache[code] = result
        return result

    def python_function(self, frame) -> str | None:
        """Name of the forbidden function whose ``frame`` just started, or ``None``."""
        code = frame.f_code
        try:
            return self._code_cache[code]
        except KeyError:
            return self.code_name(code, frame.f_globals.get("__name__"))

    def builtin_name(self, func) -> str | None:
        """Qualified name of the built-in ``func`` (a C function or method) if it is forbidden."""
        name = getattr(func, "__name__", None)
        if not isinstance(name, str):
            return None
        module = getattr(func, "__module__", None)
        if module is None:
            owner = getattr(func, "__objclass__", None) or type(getattr(func, "__self__", None))
            module = getattr(owner, "__module__", None)
        if not isinstance(module, str):
            module = ""
        key = (module, name)
        try:
            return self._builtin_cache[key]
        except KeyError:
            pass
        full = f"{module}.{name}" if module else name
        result = full if (full in self.tampering or (module and self._name_forbidden(module, name))) else None
        self._builtin_cache[key] = result
        return result

    def is_tampering(self, name: str | None) -> bool:
        return name is not None and name in self.tampering


def call_student(fn, *args, forbidden=DEFAULT_FORBIDDEN, allow=ALWAYS_ALLOWED, **kwargs):
    """Call a student's ``fn(*args, **kwargs)`` and fail if it calls a forbidden implementation.

    A profiler hook watches every Python and built-in call made while ``fn`` runs (in this thread
    and in threads it starts), so the reference is caught whatever name it is reached through.
    The first forbidden call raises :class:`ForbiddenCallError` at the call site; if the student's
    code catches it, the error is raised again when ``fn`` returns. Importing a module is not a
    call: functions that run while a module is being imported are not counted.

    Args:
        fn: the student's function.
        *args, **kwargs: its arguments.
        forbidden: see :class:`ForbiddenPolicy`. Default: :data:`DEFAULT_FORBIDDEN`.
        allow: see :class:`ForbiddenPolicy`. Default: :data:`ALWAYS_ALLOWED`.

    Returns:
        what ``fn`` returned.

    Raises:
        ForbiddenCallError: naming the forbidden function and the student's function.
        TypeError: if ``fn`` is not callable.

    Examples::

        >>> import convkit
        >>> def honest(x):
        ...     return x * 2.0
        >>> call_student(honest, np.ones(2))
        array([2., 2.])
        >>> reference = convkit.corr2d            # an alias captured in advance
        >>> def cheat(x, k):
        ...     return reference(x, k)
        >>> call_student(cheat, np.ones((3, 3)), np.ones((2, 2)))
        Traceback (most recent call last):
        ...
        convkit.grading.ForbiddenCallError: cheat called convkit.functional.conv.corr2d, which this exercise forbids
    """
    if not callable(fn):
        raise TypeError(f"fn must be callable, got {type(fn).__name__}")
    policy = forbidden if isinstance(forbidden, ForbiddenPolicy) else ForbiddenPolicy(forbidden, allow)
    fn_name = getattr(fn, "__qualname__", None) or type(fn).__name__
    hits: list[str] = []
    this_module = __name__

    def hook(frame, event, arg):
        if event == "call":
            name = policy.python_function(frame)
        elif event == "c_call":
            name = policy.builtin_name(arg)
            if name is not None and frame.f_globals.get("__name__") == this_module:
                return  # call_student switching its own hook off
        else:
            return
        if name is not None and not _inside_import(frame):
            hits.append(name)
            raise ForbiddenCallError(_forbidden_message(fn_name, name, policy))

    previous, previous_threads = sys.getprofile(), getattr(threading, "_profile_hook", None)
    threading.setprofile(hook)
    sys.setprofile(hook)
    try:
        result = fn(*args, **kwargs)
    finally:
        sys.setprofile(previous)
        threading.setprofile(previous_threads)
    if hits:
        raise ForbiddenCallError(_forbidden_message(fn_name, hits[0], policy))
    return result


def _forbidden_message(fn_name: str, name: str, policy: ForbiddenPolicy) -> str:
    if policy.is_tampering(name):
        return f"{fn_name} called {name}, which would switch off the check for forbidden calls"
    return f"{fn_name} called {name}, which this exercise forbids"
