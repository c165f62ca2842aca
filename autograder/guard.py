"""The notebook-wide guard, installed inside the grading kernel before the first cell runs.

Test cells need no change: the guard tells the instructor's cells from the student's, watches
every call, and records a *violation* when student code

* calls a forbidden implementation (:class:`convkit.grading.ForbiddenPolicy`: the reference
  package, torch's or scipy's convolutions...), whatever name it was called through, or switches
  the watching off (``sys.setprofile``, ``sys.settrace``, ``threading.setprofile``...); the call
  raises :class:`convkit.grading.ForbiddenCallError` where it is made;
* changes how later cells are turned into code (IPython input transformers, AST transformers,
  ``transform_cell``, ``run_cell``...): the guard restores IPython's own processing, so a
  transformer that strips ``assert`` lines never runs on a test cell;
* rebinds a name an instructor cell defined (``check_array``, ``np``...) or replaces an attribute
  of ``numpy``, ``math``, ``builtins`` or ``convkit.grading``: restored before the next
  instructor cell runs.

Which cell is whose: the grader passes the SHA-256 of every instructor cell (the locked cells as
the gradebook restores them, hidden tests included, and the untouched free cells of the release);
a cell whose source matches is the instructor's, any other cell is the student's. IPython compiles
each cell under a file name derived from its source, so every frame on the stack can be traced
back to an instructor cell, a student cell, or a library. A forbidden call is blamed on the
student when, walking up the stack from the call, a student frame comes before any instructor
frame: a test cell calling the reference is fine, the student's function doing it is not.

The grader (``autograder.execute.GuardedExecute``) fetches the violations after every cell with a
silent request carrying a secret token, turns them into an error output of that cell (so a graded
cell scores 0) and records them for the instructor. Everything here runs inside the student's
process, so a determined student can still fight it; that is why the submitted code is also
scanned before it runs (``autograder.scan``) and the kernel runs in a sandbox
(``autograder.sandbox``).
"""

from __future__ import annotations

import builtins
import hashlib
import math
import os
import sys
import threading
import types

from convkit.grading import ForbiddenCallError, ForbiddenPolicy

__all__ = ["Guard", "install", "report", "source_hash"]

_GUARD: "Guard | None" = None

#: IPython shell attributes whose instance-level replacement changes how cells run.
_SHELL_METHODS = ("transform_cell", "transform_ast", "run_cell", "run_cell_async", "_run_cell", "run_code",
                  "run_ast_nodes", "showtraceback", "user_expressions", "ex", "ev")


def source_hash(source: str) -> str:
    """SHA-256 of a cell's source, as the grader and the guard both compute it."""
    return hashlib.sha256(source.encode("utf-8")).hexdigest()


class Guard:
    """Kernel-side watch over one notebook run (see the module docstring)."""

    def __init__(self, shell, *, trusted: set[str], policy: ForbiddenPolicy, token: str,
                 protected_modules=("numpy", "math", "builtins", "convkit.grading")):
        self.shell = shell
        self.trusted = set(trusted)
        self.policy = policy
        self.token = token
        self.violations: list[dict] = []
        self._reported = 0
        self._kinds: dict[str, str] = {}
        self._library_roots = self._find_library_roots()
        self._current_cell: str | None = None
        self._current_is_instructor = False
        self._ns_before: dict | None = None
        self._protected_names: dict[str, object] = {}
        self._protected_modules = {}
        for name in protected_modules:
            module = sys.modules.get(name)
            if module is None:
                try:
                    module = __import__(name, fromlist=["_"])
                except ImportError:
                    continue
            self._protected_modules[name] = (module, dict(vars(module)))
        self._protected_code = {}
        import convkit.grading as grading

        for value in vars(grading).values():
            if isinstance(value, types.FunctionType):
                self._protected_code[value] = (value.__code__, value.__defaults__, value.__kwdefaults__)
        self._snapshot_shell()

    # ---------------------------------------------------------------- classification
    @staticmethod
    def _find_library_roots() -> tuple[str, ...]:
        roots = {os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix)}
        for p in sys.path:
            if p and ("site-packages" in p or "dist-packages" in p):
                roots.add(os.path.realpath(p))
        import convkit

        roots.add(os.path.dirname(os.path.realpath(convkit.__file__)))
        roots.add(os.path.dirname(os.path.realpath(__file__)))
        return tuple(sorted(r + os.sep for r in roots))

    def _kind(self, filename: str) -> str:
        kind = self._kinds.get(filename)
        if kind is None:
            if filename.startswith("<frozen ") or os.path.realpath(filename).startswith(self._library_roots):
                kind = "library"
            else:
                kind = "student"  # unknown files and <string>: code the student wrote or generated
            self._kinds[filename] = kind
        return kind

    def _blame(self, frame):
        """The student frame responsible for a call made in ``frame``, or None."""
        f = frame
        while f is not None:
            kind = self._kind(f.f_code.co_filename)
            if kind == "student":
                return f
            if kind == "instructor":
                return None
            f = f.f_back
        return None

    # ---------------------------------------------------------------- the profiler hook
    def hook(self, frame, event, arg):
        if event == "call":
            name = self.policy.python_function(frame)
            if name is None:
                return
            culprit = self._blame(frame.f_back)
        elif event == "c_call":
            name = self.policy.builtin_name(arg)
            if name is None:
                return
            culprit = self._blame(frame)
        else:
            return
        if culprit is None:
            return
        where = f"{culprit.f_code.co_name} (line {culprit.f_lineno})"
        if self.policy.is_tampering(name):
            message = f"student code in {where} called {name}, which would switch off the check for forbidden calls"
            kind = "tampering"
        else:
            message = f"student code in {where} called {name}, which this exercise forbids"
            kind = "forbidden-call"
        self._record(kind, message)
        raise ForbiddenCallError(message)

    def arm(self) -> None:
        threading.setprofile(self.hook)
        sys.setprofile(self.hook)

    # ---------------------------------------------------------------- cell events
    def _record(self, kind: str, message: str) -> None:
        entry = {"kind": kind, "message": message, "cell": self._current_cell}
        if entry not in self.violations:
            self.violations.append(entry)

    def pre_run_cell(self, info) -> None:
        raw = info.raw_cell
        instructor = source_hash(raw) in self.trusted
        filename = self.shell.compile.get_code_name(raw, info.transformed_cell, self.shell.execution_count)
        self._kinds[filename] = "instructor" if instructor else "student"
        self._current_cell = source_hash(raw)[:16]
        self._current_is_instructor = instructor
        self._check_shell(info)
        if instructor:
            self._check_protected()
            self._ns_before = dict(self.shell.user_ns)
        else:
            self._ns_before = None
        self.arm()

    def post_run_cell(self, result) -> None:
        if self._current_is_instructor and self._ns_before is not None:
            before = self._ns_before
            for name, value in self.shell.user_ns.items():
                if before.get(name, _MISSING) is not value and _is_definition(value):
                    self._protected_names[name] = value
        self._ns_before = None
        self.arm()

    # ---------------------------------------------------------------- integrity checks
    def _snapshot_shell(self) -> None:
        shell = self.shell
        cls = type(shell)
        self._class_methods = {name: getattr(cls, name, None) for name in _SHELL_METHODS}
        self._instance_attrs = {name: vars(shell).get(name, _MISSING) for name in _SHELL_METHODS}
        itm = shell.input_transformer_manager
        self._itm = itm
        self._itm_lists = {name: list(getattr(itm, name)) for name in ("cleanup_transforms", "line_transforms", "token_transformers")
                           if hasattr(itm, name)}
        self._post = list(shell.input_transformers_post)
        self._ast = list(shell.ast_transformers)
        self._events = {name: list(callbacks) for name, callbacks in shell.events.callbacks.items()}
        original = cls.transform_cell

        def transform_cell(raw_cell, _original=original, _guard=self):
            _guard._restore_transformers()
            return _original(shell, raw_cell)

        self._transform = transform_cell
        shell.transform_cell = transform_cell

    def _restore_transformers(self) -> bool:
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
        if changed:
            self._tampered.extend(changed)
        return bool(changed)

    _tampered: list

    def _check_shell(self, info) -> None:
        shell, changed = self.shell, []
        self._tampered = []
        self._restore_transformers()
        changed += self._tampered
        cls = type(shell)
        for name in _SHELL_METHODS:
            if getattr(cls, name, None) is not self._class_methods[name]:
                setattr(cls, name, self._class_methods[name])
                changed.append(f"{cls.__name__}.{name}")
            expected = self._transform if name == "transform_cell" else self._instance_attrs[name]
            current = vars(shell).get(name, _MISSING)
            if current is not expected:
                if expected is _MISSING:
                    del shell.__dict__[name]
                else:
                    shell.__dict__[name] = expected
                changed.append(f"shell.{name}")
        for name, callbacks in shell.events.callbacks.items():
            saved = self._events.get(name, [])
            if callbacks != saved:
                callbacks[:] = saved
                changed.append(f"events[{name!r}]")
        # the cell about to run must be exactly what IPython itself makes of its source
        if info.transformed_cell is not None:
            expected_code = self._class_methods["transform_cell"](shell, info.raw_cell)
            if info.transformed_cell != expected_code:
                changed.append("the code of this cell (changed by an input transformer)")
        if changed:
            self._record("ipython-tampering",
                         "student code changed how cells run (" + ", ".join(sorted(set(changed))) + "); restored")

    def _check_protected(self) -> None:
        ns, changed = self.shell.user_ns, []
        for name, value in self._protected_names.items():
            if ns.get(name, _MISSING) is not value:
                ns[name] = value
                changed.append(name)
        for module_name, (module, saved) in self._protected_modules.items():
            current = vars(module)
            for key, value in saved.items():
                if current.get(key, _MISSING) is not value:
                    setattr(module, key, value)
                    changed.append(f"{module_name}.{key}")
        for func, (code, defaults, kwdefaults) in self._protected_code.items():
            if func.__code__ is not code or func.__defaults__ is not defaults or func.__kwdefaults__ is not kwdefaults:
                func.__code__, func.__defaults__, func.__kwdefaults__ = code, defaults, kwdefaults
                changed.append(f"{func.__module__}.{func.__qualname__}")
        if changed:
            self._record("rebinding", "student code replaced " + ", ".join(sorted(set(changed)))
                         + ", which the tests rely on; restored")

    # ---------------------------------------------------------------- report
    def report(self, token: str) -> dict:
        """Violations since the last report (the token proves the caller is the grader)."""
        if token != self.token:
            return {"token": None, "violations": []}
        new = self.violations[self._reported:]
        self._reported = len(self.violations)
        healthy = sys.getprofile() in (self.hook, None) or self._current_is_instructor
        return {"token": self.token, "violations": new, "hook": bool(healthy)}


_MISSING = object()


def _is_definition(value) -> bool:
    return isinstance(value, (types.ModuleType, types.FunctionType, types.BuiltinFunctionType, type)) or (
        callable(value) and not hasattr(value, "shape"))


def install(config: dict) -> str:
    """Install the guard in the running IPython kernel. ``config`` holds ``trusted`` (hashes of
    the instructor's cells), ``forbidden``/``allow`` (a :class:`ForbiddenPolicy`) and ``token``."""
    global _GUARD
    from IPython import get_ipython

    shell = get_ipython()
    if shell is None:
        raise RuntimeError("autograder.guard.install must run inside an IPython kernel")
    if _GUARD is not None:
        raise RuntimeError("the guard is already installed")
    # a module file dropped next to the notebook must not shadow numpy, convkit...
    cwd = os.path.realpath(os.getcwd())
    sys.path[:] = [p for p in sys.path if p not in ("", ".") and os.path.realpath(p) != cwd]
    for name in ("numpy", "convkit", "convkit.grading", "math"):
        __import__(name)
    policy = ForbiddenPolicy(config.get("forbidden", ()), config.get("allow", ("convkit.grading",)))
    guard = Guard(shell, trusted=set(config["trusted"]), policy=policy, token=config["token"])
    shell.events.register("pre_run_cell", guard.pre_run_cell)
    shell.events.register("post_run_cell", guard.post_run_cell)
    guard._events = {name: list(callbacks) for name, callbacks in shell.events.callbacks.items()}
    _GUARD = guard
    guard.arm()
    return "guard installed"


def report(token: str) -> dict:
    """Called by the grader after each cell (a silent request); see :meth:`Guard.report`."""
    if _GUARD is None:
        return {"token": None, "violations": []}
    return _GUARD.report(token)
