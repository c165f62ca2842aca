"""Forbidden implementations: which calls a student's function may not make, and how to catch them.

:class:`ForbiddenPolicy` holds the matching rules (module names and ``*`` patterns);
:func:`call_student` calls one student function in a test cell under a profiler hook and fails
when it reaches a forbidden implementation; the class grader's in-kernel guard
(``autograder.guard``) uses the same rules for a notebook-wide watch. Detection uses
:func:`sys.setprofile`, which sees the code object that actually runs, so a reference function is
caught whatever name it was called through (``f = convkit.conv2d`` captured at import,
``getattr``, a lambda...). What an assignment forbids is its :class:`convgrade.GradingPolicy`.
"""

from __future__ import annotations

import fnmatch
import sys
import threading

from convgrade.policy import DEFAULT_FORBIDDEN

__all__ = ["TAMPERING", "ForbiddenCallError", "ForbiddenPolicy", "call_student"]

#: Functions that switch profilers and tracers on or off: a student's function may not call them
#: while it is being watched (that would switch the watching off).
TAMPERING = ("sys.setprofile", "sys.settrace", "threading.setprofile", "threading.settrace")


_CO_OPTIMIZED = 0x0001  # inspect.CO_OPTIMIZED: set for functions, not for module or class bodies
_IMPORT_MACHINERY = ("<frozen importlib._bootstrap>", "<frozen importlib._bootstrap_external>")


def _inside_import(frame) -> bool:
    """Whether ``frame`` runs as part of an ``import`` (module code calling helpers at import
    time)."""
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
            Default: none.
        tampering: qualified names of functions that are reported as tampering with the watch
            (:data:`TAMPERING`); pass ``()`` to allow them.

    Shape:
        :meth:`python_function` and :meth:`builtin_function` return the qualified name
        ``module.name`` of a forbidden function, or ``None``; results are cached per code object
        and per ``(module, name)``.

    Examples::

        >>> import convkit
        >>> import numpy as np
        >>> from convgrade.checks import check_array
        >>> policy = ForbiddenPolicy()
        >>> policy.code_name(convkit.conv2d.__code__, convkit.conv2d.__module__)
        'convkit.functional.conv.conv2d'
        >>> policy.code_name(check_array.__code__, "convgrade.checks") is None
        True
        >>> policy.builtin_name(len) is None
        True
        >>> ForbiddenPolicy(["numpy.*convolve*"]).builtin_name(np.convolve)
        'numpy.convolve'
    """

    def __init__(self, forbidden=DEFAULT_FORBIDDEN, allow=(), tampering=TAMPERING):
        if isinstance(forbidden, str) or isinstance(allow, str) or isinstance(tampering, str):
            raise TypeError(
                "forbidden, allow and tampering must be sequences of strings, not a string"
            )
        arguments = (("forbidden", forbidden), ("allow", allow), ("tampering", tampering))
        for arg_name, values in arguments:
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
        hit = full in self.tampering or (module and self._name_forbidden(module, qualname))
        result = full if hit else None
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
        hit = full in self.tampering or (module and self._name_forbidden(module, name))
        result = full if hit else None
        self._builtin_cache[key] = result
        return result

    def is_tampering(self, name: str | None) -> bool:
        return name is not None and name in self.tampering


def call_student(fn, *args, forbidden=DEFAULT_FORBIDDEN, allow=(), **kwargs):
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
        allow: see :class:`ForbiddenPolicy`. Default: none.

    Returns:
        what ``fn`` returned.

    Raises:
        ForbiddenCallError: naming the forbidden function and the student's function.
        TypeError: if ``fn`` is not callable.

    Examples::

        >>> import convkit
        >>> import numpy as np
        >>> def honest(x):
        ...     return x * 2.0
        >>> call_student(honest, np.ones(2))
        array([2., 2.])
        >>> reference = convkit.corr2d            # an alias captured in advance
        >>> def cheat(x, k):
        ...     return reference(x, k)
        >>> call_student(cheat, np.ones((3, 3)), np.ones((2, 2)))  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        convgrade.forbidden.ForbiddenCallError: cheat called convkit.functional.conv.corr2d...
    """
    if not callable(fn):
        raise TypeError(f"fn must be callable, got {type(fn).__name__}")
    if isinstance(forbidden, ForbiddenPolicy):
        policy = forbidden
    else:
        policy = ForbiddenPolicy(forbidden, allow)
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
