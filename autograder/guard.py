"""The guard, installed inside the student's grading kernel before the first cell runs.

The hidden tests do not run here: the class grader runs them in a separate trusted kernel
(:mod:`autograder.twoprocess`), which calls the student's functions in this kernel through a
request loop (:mod:`autograder.serve`) and judges what comes back by value. What the guard still
watches is what student code does *in this kernel*, where the answers run. It records a
*violation* when student code

* calls a forbidden implementation (:class:`convgrade.ForbiddenPolicy`: torch's or scipy's
  convolutions, the reference package where a handout still holds part of it...), whatever name it
  was called through, or switches the watching off (``sys.setprofile``, ``sys.settrace``,
  ``threading.setprofile``...); the call raises :class:`convgrade.ForbiddenCallError` where it is
  made, so the answer the trusted side receives is an error;
* changes how cells are turned into code (IPython input or AST transformers, ``transform_cell``,
  ``run_cell``..., the cell callbacks): the guard restores IPython's own processing, and a cell
  whose code was altered anyway runs as IPython itself would have compiled it (the instructor's
  setup cells and the grader's silent requests run in this kernel too);
* replaces a function of ``convkit`` (an attribute of one of its modules loaded when the guard
  starts, a function's code, or a stand-in module in ``sys.modules``), a checking built-in
  (``isinstance``, ``getattr``... which the guard's own hook calls) or a part of the guard itself:
  put back at the end of the cell that did it. The convkit modules matter because a test may run
  a course helper *in this kernel* on the student's model (:func:`convgrade.run_with_model`, e.g.
  a training loop or a cost count), and the guard's code because it decides what is forbidden;
* changes, in place, a numpy array that instructor code running in this kernel passed to it
  (a function of a test cell that crossed as code, :mod:`autograder.wire`): the array is put back
  when the function returns, and the cell scores 0. A call the trusted side makes directly sends
  copies of its arrays, and :mod:`autograder.serve` reports a changed one.

Which cell is whose: the grader passes the SHA-256 of every instructor cell (the locked cells as
the gradebook restores them, hidden tests included, and the untouched free cells of the release);
a cell whose source matches is the instructor's, any other cell is the student's. IPython compiles
each cell under a file name derived from its source, so every frame on the stack can be traced
back to an instructor cell, a student cell, or a library. A forbidden call is blamed on the
student when, walking up the stack from the call, a student frame comes before any instructor
frame or the request loop: the grader's requests calling a student function count as the
instructor's. Importing a module is not a call (the scan of the submitted code reports forbidden
imports).

The grader fetches the violations after every cell (:func:`report`, a silent request with a fresh
random nonce; the answer is signed with an HMAC keyed by the secret token the guard was installed
with, so a stand-in ``report`` written by the student cannot simply echo "no violations"), turns
them into an error output of that cell, so a graded cell scores 0, and lists them for the
instructor. Everything here runs inside the student's process, so a determined student can still
fight it; that is why the submitted code is also scanned before it runs (``autograder.scan``) and
the kernel runs in a sandbox (``autograder.sandbox``).

**Removed with single-kernel grading** (the ``--single-kernel`` mode, tests in the student's
kernel, is gone): each of these protected test cells running in this kernel, and no test cell
runs here any more.

* *Names an instructor cell defined and the next instructor cell uses* (``check_array``, ``np``,
  the test data) were put back before that cell ran. The trusted kernel runs its own copy of every
  setup cell and binds only the names the student's cells define, so a rebinding here changes the
  student's own kernel and nothing a test reads.
* *Attributes of numpy, math, convgrade and convgrade.checks, and the code of the check helpers*
  were put back (a ``check_array`` that never fails, an ``isclose`` that always agrees). The
  checks and numpy's comparisons the tests use run in the trusted kernel; in this kernel a
  replaced numpy function only changes the student's own answers, which the trusted side judges
  as values.
* *Rebinding the globals of the caller's frames, reading the expected value from the test's
  variables, a custom exception handler that clears a test cell's error*: nothing of the test is
  in this process (no frame, no variable, no exception), so there is nothing to guard against.

The adversarial suite (``tests/adversarial``) grades the same cheats before and after the
removal with the same grades, status and reasons.
"""

from __future__ import annotations

import ast
import builtins
import hashlib
import hmac
import json
import os
import sys
import threading
import types
from typing import Any

import numpy as np

from autograder.config import GuardConfig
from convgrade import ForbiddenCallError, ForbiddenPolicy

__all__ = ["Guard", "install", "report", "sign", "source_hash"]

_GUARD: Guard | None = None
#: The module that answers the trusted process's requests in the student's kernel
#: (:mod:`autograder.serve`): calls it makes itself are the grader's, not the student's.
_SERVE_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "serve.py")
_MISSING = object()

#: IPython shell attributes whose replacement changes how cells run.
_SHELL_METHODS = (
    "transform_cell",
    "transform_ast",
    "run_cell",
    "run_cell_async",
    "_run_cell",
    "run_code",
    "run_ast_nodes",
    "should_run_async",
    "showtraceback",
    "user_expressions",
    "ex",
    "ev",
)

#: builtins whose replacement could blind the guard's own hook and checks (IPython itself adds and
#: removes others).
_PROTECTED_BUILTINS = frozenset(
    {
        "isinstance",
        "issubclass",
        "type",
        "float",
        "int",
        "bool",
        "tuple",
        "list",
        "dict",
        "set",
        "len",
        "abs",
        "all",
        "any",
        "min",
        "max",
        "sum",
        "round",
        "range",
        "zip",
        "enumerate",
        "sorted",
        "print",
        "repr",
        "str",
        "getattr",
        "hasattr",
        "setattr",
        "callable",
        "iter",
        "next",
        "object",
        "__import__",
        "AssertionError",
        "Exception",
        "BaseException",
        "TypeError",
        "ValueError",
        "NotImplementedError",
    }
)

_IMPORT_MACHINERY = ("<frozen importlib._bootstrap>", "<frozen importlib._bootstrap_external>")

#: numpy arguments larger than this (elements) are not copied to check that the student's function
#: leaves them unchanged
_MAX_INPUT_SNAPSHOT = 10_000_000
_CO_VARARGS = 0x0004


def source_hash(source: str) -> str:
    """SHA-256 (hex) of a cell's source, as the grader and the guard both compute it."""
    return hashlib.sha256(source.encode("utf-8")).hexdigest()


def sign(token: str, nonce: str, violations: list) -> str:
    """HMAC-SHA256 of a report, keyed by the guard's secret token."""
    message = nonce + "\n" + json.dumps(violations, sort_keys=True)
    return hmac.new(token.encode("utf-8"), message.encode("utf-8"), hashlib.sha256).hexdigest()


class Guard:
    """Kernel-side watch over one notebook run (see the module docstring)."""

    def __init__(
        self,
        shell,
        *,
        trusted,
        policy: ForbiddenPolicy,
        token: str,
        protected_modules=("builtins",),
        reference_packages=("convkit",),
    ):
        self.shell = shell
        self.trusted = frozenset(trusted)
        self.policy = policy
        self._builtin_name = policy.builtin_name
        #: code object -> (whether it is the student's, the forbidden function it is or None)
        self._code_info: dict = {}
        self.token = token
        self.violations: list[dict] = []
        self._reported = 0
        self._kinds: dict[str, str] = {}
        self._generated: dict = {}  # code compiled from a string -> "library" or "student"
        self._library_roots = self._find_library_roots()
        self._current_cell: str | None = None
        self._current_is_instructor = False
        self._pending: list[str] = []
        self._inputs: dict = {}
        self._sys_modules = sys.modules
        self._replacement: ast.Module | None = None
        self._protected_modules = {}
        for name in protected_modules:
            module = sys.modules.get(name) or __import__(name, fromlist=["_"])
            saved = dict(vars(module))
            if module is builtins:
                saved = {k: v for k, v in saved.items() if k in _PROTECTED_BUILTINS}
            self._protected_modules[name] = (module, saved)
        # the course package, whose helpers a test may run in this kernel on the student's model
        # (convgrade.run_with_model): every module of it loaded by now
        reference = sorted(
            name
            for name, module in list(sys.modules.items())
            if module is not None
            and any(name == p or name.startswith(p + ".") for p in reference_packages)
        )
        for name in reference:
            self._protected_modules.setdefault(
                name, (sys.modules[name], dict(vars(sys.modules[name])))
            )
        # ... their functions' code too, not only their names
        self._protected_code = {
            f: (f.__code__, f.__defaults__, f.__kwdefaults__)
            for name in reference
            for f in vars(sys.modules[name]).values()
            if isinstance(f, types.FunctionType) and f.__module__ == name
        }
        self._snapshot_shell()

    # ---------------------------------------------------------------- classification
    @staticmethod
    def _find_library_roots() -> tuple[str, ...]:
        roots = {
            os.path.realpath(p)
            for p in (sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix)
        }
        for p in sys.path:
            if p and ("site-packages" in p or "dist-packages" in p):
                roots.add(os.path.realpath(p))
        import convgrade
        import convkit

        roots.add(os.path.dirname(os.path.realpath(convkit.__file__)))
        roots.add(os.path.dirname(os.path.realpath(convgrade.__file__)))  # the check helpers
        roots.add(os.path.dirname(os.path.realpath(__file__)))
        return tuple(sorted(r + os.sep for r in roots))

    def _kind(self, filename: str) -> str:
        kind = self._kinds.get(filename)
        if kind is None:
            if filename in _IMPORT_MACHINERY:
                kind = "import"
            elif filename.startswith("<frozen ") or os.path.realpath(filename).startswith(
                self._library_roots
            ):
                kind = "library"
            else:
                kind = "student"  # unknown files and <string>: code the student wrote or generated
            self._kinds[filename] = kind
        return kind

    def _frame_kind(self, frame) -> str:
        """:meth:`_kind` of a frame; code compiled from a string is the student's unless it is a
        method that a library generated for one of its own classes (dataclasses' ``__init__``
        calling ``__post_init__``...), which is the library's."""
        code = frame.f_code
        kind = self._kind(code.co_filename)
        if kind != "student" or not code.co_filename.startswith("<"):
            return kind
        generated = self._generated.get(code)
        if generated is None:
            generated = self._generated[code] = (
                "library" if self._library_method(code, frame.f_globals) else "student"
            )
        return generated

    def _library_method(self, code, namespace) -> bool:
        """Whether ``code`` runs with the globals of a library module and is the code of a method
        of a class that this module defines."""
        name = namespace.get("__name__")
        module = sys.modules.get(name) if isinstance(name, str) else None
        if module is None or getattr(module, "__dict__", None) is not namespace:
            return False
        path = getattr(module, "__file__", None)
        if not isinstance(path, str) or not os.path.realpath(path).startswith(self._library_roots):
            return False
        for value in list(vars(module).values()):  # the module's namespace (checked above)
            if isinstance(value, type) and value.__module__ == name:
                method = vars(value).get(code.co_name)
                if getattr(method, "__code__", None) is code:
                    return True
        return False

    def _blame(self, frame):
        """The student frame responsible for a call made in ``frame``, or None."""
        f = frame
        while f is not None:
            if f.f_code.co_filename == _SERVE_FILE:
                return None  # the trusted process's request (two-process grading) called this
            kind = self._frame_kind(f)
            if kind == "student":
                return f
            if kind == "instructor" or kind == "import":
                return None
            f = f.f_back
        return None

    # ---------------------------------------------------------------- the profiler hook
    def hook(self, frame, event, arg):
        # the events by how often they come: a C function's call and return (once each per
        # call), then a Python function's; what a Python code object is comes from one lookup
        if event == "c_return":
            return
        if event == "c_call":
            name = self._builtin_name(arg)
            if name is None:
                return
            caller = frame
        elif event == "call":
            code = frame.f_code
            seen = self._code_info.get(code)
            if seen is None:
                seen = self._code_info[code] = (
                    self._frame_kind(frame) == "student",
                    self.policy.python_function(frame),
                )
            if seen[0] and self._called_by_instructor(frame.f_back):
                self._snapshot_inputs(frame)
            name = seen[1]
            if name is None:
                return
            caller = frame.f_back
        elif event == "return":
            if self._inputs:
                saved = self._inputs.pop(frame, None)
                if saved:
                    self._check_inputs(frame, saved)
            return
        else:
            return
        tampering = self.policy.is_tampering(name)
        if tampering and caller is not None and caller.f_globals.get("__name__") == __name__:
            return  # the guard re-arming itself
        culprit = self._blame(caller)
        if culprit is None:
            return
        where = f"{culprit.f_code.co_name} (line {culprit.f_lineno})"
        if tampering:
            kind = "tampering"
            message = (
                f"student code in {where} called {name}, "
                "which would switch off the check for forbidden calls"
            )
        else:
            kind = "forbidden-call"
            message = f"student code in {where} called {name}, which this exercise forbids"
        self._record(kind, message)
        raise ForbiddenCallError(message)

    # ------------------------------------------------------------ the inputs of student functions
    def _called_by_instructor(self, frame) -> bool:
        """Whether the first non-library frame from ``frame`` up is an instructor cell."""
        while frame is not None:
            kind = self._frame_kind(frame)
            if kind != "library":
                return kind == "instructor"
            frame = frame.f_back
        return False

    def _snapshot_inputs(self, frame) -> None:
        """Copy the numpy arrays instructor code running in this kernel (a test's function that
        crossed as code) passes to a student function: that code may use the same arrays again
        after the call, and an answer that zeroes them in place would change what it computes."""
        code = frame.f_code
        n = code.co_argcount + code.co_kwonlyargcount
        names = list(code.co_varnames[: n + (1 if code.co_flags & _CO_VARARGS else 0)])
        local = frame.f_locals
        saved = []
        for name in names:
            value = local.get(name)
            for v in value if isinstance(value, tuple) else (value,):
                if (
                    isinstance(v, np.ndarray)
                    and v.dtype != object
                    and v.size <= _MAX_INPUT_SNAPSHOT
                ):
                    saved.append((name, v, v.copy(), v.shape))
        if saved:
            self._inputs[frame] = saved

    def _check_inputs(self, frame, saved) -> None:
        changed = []
        for name, value, copy, shape in saved:
            if (
                value.shape == shape
                and value.dtype == copy.dtype
                and value.tobytes() == copy.tobytes()
            ):
                continue
            changed.append(name)
            try:
                if value.shape != shape:
                    value.shape = shape
                np.copyto(value, copy, casting="unsafe")
            except (ValueError, TypeError, AttributeError):
                pass  # (read-only now, or resized): reported all the same
        if changed:
            names = ", ".join(dict.fromkeys(changed))
            self._record(
                "changed-input",
                f"student code in {frame.f_code.co_name} changed its argument {names} "
                "in place; the tests pass the same arrays to the reference, so an answer "
                "must leave its inputs unchanged (restored)",
            )

    def arm(self) -> None:
        threading.setprofile(self.hook)
        sys.setprofile(self.hook)

    def trust_file(self, filename: str) -> None:
        """Count code compiled under ``filename`` as the instructor's (the trusted process's
        functions rebuilt in this kernel, :mod:`autograder.serve`)."""
        if self._kinds.get(filename) != "instructor":
            self._kinds[filename] = "instructor"
            self._code_info.clear()  # (code seen under that name was counted as the student's)

    # ---------------------------------------------------------------- cell events
    def _record(self, kind: str, message: str) -> None:
        entry = {"kind": kind, "message": message, "cell": self._current_cell}
        if entry not in self.violations[self._reported :]:
            self.violations.append(entry)

    def pre_run_cell(self, info) -> None:
        raw = info.raw_cell
        digest = source_hash(raw)
        instructor = digest in self.trusted
        filename = self.shell.compile.get_code_name(
            raw, info.transformed_cell, self.shell.execution_count
        )
        self._kinds[filename] = "instructor" if instructor else "student"
        self._current_cell = digest[:16]
        self._current_is_instructor = instructor
        self._inputs.clear()
        self._check_integrity(info)
        self.arm()

    def post_run_cell(self, result) -> None:
        if self._current_is_instructor:
            self._restore_events(accept_all=True)  # what an instructor cell registers is legitimate
        self._replacement = None
        self.arm()

    # ---------------------------------------------------------------- integrity checks
    def _snapshot_shell(self) -> None:
        shell = self.shell
        cls = type(shell)
        self._class_methods: dict[str, Any] = {
            name: getattr(cls, name, None) for name in _SHELL_METHODS
        }
        itm = shell.input_transformer_manager
        self._itm = itm
        self._itm_lists = {
            name: list(getattr(itm, name))
            for name in ("cleanup_transforms", "line_transforms", "token_transformers")
            if hasattr(itm, name)
        }
        self._post = list(shell.input_transformers_post)
        self._ast = list(shell.ast_transformers)
        original_transform_cell = cls.transform_cell
        original_transform_ast = cls.transform_ast

        def transform_cell(raw_cell, _guard=self):
            _guard._pending.extend(_guard._restore_transformers())
            return original_transform_cell(shell, raw_cell)

        def transform_ast(node, _guard=self):
            replacement, _guard._replacement = _guard._replacement, None
            return original_transform_ast(shell, replacement if replacement is not None else node)

        self._instance_attrs = {name: vars(shell).get(name, _MISSING) for name in _SHELL_METHODS}
        self._instance_attrs["transform_cell"] = transform_cell
        self._instance_attrs["transform_ast"] = transform_ast
        shell.transform_cell = transform_cell
        shell.transform_ast = transform_ast
        self._events = {name: list(callbacks) for name, callbacks in shell.events.callbacks.items()}

    def _restore_transformers(self) -> list[str]:
        shell, changed = self.shell, []
        if shell.input_transformer_manager is not self._itm:
            shell.input_transformer_manager = self._itm
            changed.append("input_transformer_manager")
        for name, saved in self._itm_lists.items():
            current = getattr(self._itm, name)
            if list(current) != saved:
                current[:] = saved
                changed.append(f"input_transformer_manager.{name}")
        if list(shell.input_transformers_post) != self._post:
            shell.input_transformers_post = list(self._post)
            changed.append("input_transformers_post")
        if list(shell.ast_transformers) != self._ast:
            shell.ast_transformers = list(self._ast)
            changed.append("ast_transformers")
        return changed

    def _restore_shell_methods(self) -> list[str]:
        shell, cls, changed = self.shell, type(self.shell), []
        for name in _SHELL_METHODS:
            if getattr(cls, name, None) is not self._class_methods[name]:
                setattr(cls, name, self._class_methods[name])
                changed.append(f"{cls.__name__}.{name}")
            expected = self._instance_attrs[name]
            if vars(shell).get(name, _MISSING) is not expected:
                if expected is _MISSING:
                    del shell.__dict__[name]
                else:
                    shell.__dict__[name] = expected
                changed.append(f"shell.{name}")
        return changed

    def _callable_kind(self, func) -> str:
        func = getattr(func, "__func__", func)
        method = getattr(type(func), "__call__", None)  # noqa: B004 - its code, not a callable test
        code = getattr(func, "__code__", None) or getattr(method, "__code__", None)
        return self._kind(code.co_filename) if code is not None else "library"

    def _restore_events(self, accept_all: bool = False) -> list[str]:
        """Put back removed cell callbacks and drop ones added by student code. Callbacks that
        libraries add (matplotlib's inline backend after ``import matplotlib.pyplot``) are kept."""
        changed = []
        for name, callbacks in self.shell.events.callbacks.items():
            saved = self._events.get(name, [])
            if callbacks == saved:
                continue
            if accept_all:
                self._events[name] = list(callbacks)
                continue
            removed = [cb for cb in saved if cb not in callbacks]
            added = [cb for cb in callbacks if cb not in saved]
            foreign = [cb for cb in added if self._callable_kind(cb) != "library"]
            if removed or foreign:
                callbacks[:] = saved + [cb for cb in added if cb not in foreign]
                changed.append(f"events[{name!r}]")
            self._events[name] = list(callbacks)
        return changed

    def _restore_modules(self) -> list[str]:
        changed = []
        for module_name, (module, saved) in self._protected_modules.items():
            if (
                isinstance(module, types.ModuleType)
                and self._sys_modules.get(module_name) is not module
            ):
                self._sys_modules[module_name] = (
                    module  # a stand-in module the next `import` would return
                )
                changed.append(f"sys.modules[{module_name!r}]")
            current = vars(module)
            for key, value in saved.items():
                if current.get(key, _MISSING) is not value:
                    setattr(module, key, value)
                    changed.append(f"{module_name}.{key}")
        for func, (code, defaults, kwdefaults) in self._protected_code.items():
            if (
                func.__code__ is not code
                or func.__defaults__ is not defaults
                or func.__kwdefaults__ is not kwdefaults
            ):
                func.__code__, func.__defaults__, func.__kwdefaults__ = code, defaults, kwdefaults
                changed.append(f"the code of {func.__module__}.{func.__qualname__}")
        return changed

    def _check_integrity(self, info=None) -> None:
        """Put back everything the student may have changed; record what was changed."""
        pending, self._pending = self._pending, []
        ipython = (
            pending
            + self._restore_transformers()
            + self._restore_shell_methods()
            + self._restore_events()
        )
        if info is not None and info.transformed_cell is not None:
            # the code about to run must be what IPython itself makes of the cell's source
            expected = self._class_methods["transform_cell"](self.shell, info.raw_cell)
            if info.transformed_cell != expected:
                ipython.append("the code of this cell (changed by an input transformer)")
                try:
                    self._replacement = self.shell.compile.ast_parse(expected)
                except SyntaxError:
                    self._replacement = ast.parse("raise SyntaxError('cell could not be restored')")
        if ipython:
            self._record(
                "ipython-tampering",
                "student code changed how cells run ("
                + ", ".join(sorted(set(ipython)))
                + "); restored",
            )
        modules = self._restore_modules()
        if modules:
            self._record(
                "rebinding",
                "student code replaced "
                + ", ".join(sorted(set(modules)))
                + ", which the tests rely on; restored",
            )

    # ---------------------------------------------------------------- report
    def report(self, nonce: str) -> dict:
        """Violations since the last report, signed (:func:`sign`) for the grader's ``nonce``."""
        self._check_integrity()
        new = self.violations[self._reported :]
        self._reported = len(self.violations)
        nonce = str(nonce)
        return {"nonce": nonce, "violations": new, "mac": sign(self.token, nonce, new)}

    def protect(self, name: str, namespace) -> None:
        """Also restore the attributes of ``namespace`` (a module or class) when replaced."""
        self._protected_modules[name] = (namespace, dict(vars(namespace)))


def install(config: GuardConfig | dict | str) -> str:
    """Install the guard in the running IPython kernel. ``config`` (a
    :class:`~autograder.config.GuardConfig`, or its dict or JSON) holds ``trusted`` (hashes of the
    instructor's cells, :func:`source_hash`), ``forbidden``/``allow`` (a
    :class:`~convgrade.ForbiddenPolicy`) and ``token`` (the secret :func:`report` asks for)."""
    global _GUARD
    from IPython import get_ipython

    if not isinstance(config, GuardConfig):
        config = GuardConfig.from_json(config)
    shell = get_ipython()
    if shell is None:
        raise RuntimeError("autograder.guard.install must run inside an IPython kernel")
    if _GUARD is not None:
        raise RuntimeError("the guard is already installed")
    # a module file dropped next to the notebook must not shadow numpy, convkit...
    cwd = os.path.realpath(os.getcwd())
    sys.path[:] = [p for p in sys.path if p not in ("", ".") and os.path.realpath(p) != cwd]
    for name in ("numpy", "math", "convkit", "convgrade"):
        __import__(name)
    policy = ForbiddenPolicy(config.forbidden, config.allow)
    guard = Guard(shell, trusted=config.trusted, policy=policy, token=config.token)
    shell.events.register("pre_run_cell", guard.pre_run_cell)
    shell.events.register("post_run_cell", guard.post_run_cell)
    guard._events = {name: list(callbacks) for name, callbacks in shell.events.callbacks.items()}
    _GUARD = guard
    guard.protect(__name__, sys.modules[__name__])  # report, install, _GUARD...
    guard.protect("autograder.guard.Guard", Guard)
    guard.arm()
    return "guard installed"


def report(nonce: str) -> dict:
    """Called by the grader after each cell (a silent request); see :meth:`Guard.report`."""
    if _GUARD is None:
        return {"nonce": str(nonce), "violations": [], "mac": None}
    return _GUARD.report(nonce)
