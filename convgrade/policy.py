"""What an assignment forbids: one :class:`GradingPolicy` per assignment, read by every part of
the class grader (the scan of the submitted code, the guard inside the grading kernel, the batch
command).

Defaults are in code (:data:`DEFAULT_FORBIDDEN`, :data:`IMPLEMENTATION_IMPORTS`,
:data:`UNSAFE_IMPORTS`): a numpy-only exercise may not call the reference package or torch's and
scipy's convolutions. An assignment whose answers legitimately use something else says so in
``grading.json`` beside its source notebook (``solutions/<assignment>/grading.json``), for example
the chapters whose answers build ``torch.nn`` models::

    {"note": "answers build torch.nn models: only the reference package is forbidden",
     "forbidden_calls": ["convkit"]}

Keys: ``forbidden_calls`` (what the guard and :func:`convgrade.call_student` catch while student
code runs), ``forbidden_imports`` (imports the scan flags; default: the ``forbidden_calls``
entries that name modules when ``forbidden_calls`` is given, else :data:`IMPLEMENTATION_IMPORTS`),
``unsafe_imports`` (imports the scan always flags), ``allow`` (modules that stay allowed although a
forbidden entry covers them) and ``note`` (free text). Any other key is an error.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

__all__ = [
    "DEFAULT_FORBIDDEN",
    "IMPLEMENTATION_IMPORTS",
    "POLICY_FILE",
    "UNSAFE_IMPORTS",
    "GradingPolicy",
    "load_policy",
]

#: The file beside an assignment's source notebook that overrides the defaults.
POLICY_FILE = "grading.json"

#: What a numpy-only exercise may not call: the reference package, torch's and scipy's
#: convolutions and poolings. An entry without ``*`` is a module and everything in it; an entry
#: with ``*`` is a pattern matched against ``module.name`` of a function (Python or built-in).
DEFAULT_FORBIDDEN: tuple[str, ...] = (
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

#: Imports of implementations that a numpy-only answer has no use for (the scan flags them).
IMPLEMENTATION_IMPORTS: tuple[str, ...] = ("convkit", "torch", "scipy.signal", "scipy.ndimage")

#: Imports that reach the interpreter, processes, files or the grader: flagged in every assignment.
UNSAFE_IMPORTS: tuple[str, ...] = (
    "importlib",
    "ctypes",
    "subprocess",
    "shutil",
    "socket",
    "sqlite3",
    "IPython",
    "nbgrader",
    "pickle",
    "marshal",
)


def _covers(prefixes: tuple[str, ...], module: str) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def _strings(name: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise TypeError(f"{name} must be a list of strings, got {type(value).__name__}")
    for v in value:
        if not isinstance(v, str) or not v:
            raise TypeError(f"{name} entries must be non-empty strings, got {v!r}")
    return tuple(value)


@dataclasses.dataclass(frozen=True)
class GradingPolicy:
    """What one assignment forbids (see the module docstring for the ``grading.json`` keys).

    Args:
        forbidden_calls: module names and ``*`` patterns of functions student code may not call
            (:class:`convgrade.ForbiddenPolicy`). Default: :data:`DEFAULT_FORBIDDEN`.
        forbidden_imports: modules whose import the scan flags. Default:
            :data:`IMPLEMENTATION_IMPORTS`. Must cover every module named in ``forbidden_calls``,
            so the scan never lets through an import of what the guard forbids.
        unsafe_imports: modules whose import the scan flags in every assignment.
            Default: :data:`UNSAFE_IMPORTS`.
        allow: modules that stay allowed although an entry above covers them. Default: none.
        note: why the assignment differs from the defaults (free text).

    Raises:
        TypeError: an entry that is not a list of non-empty strings (naming the argument).
        ValueError: a module named in ``forbidden_calls`` that ``forbidden_imports`` misses.

    Examples::

        >>> GradingPolicy().import_flagged("torch.nn.functional")
        True
        >>> torch_models = GradingPolicy.from_dict({"forbidden_calls": ["convkit"]})
        >>> torch_models.forbidden_imports, torch_models.import_flagged("torch.nn.functional")
        (('convkit',), False)
        >>> torch_models.import_flagged("subprocess")
        True
        >>> GradingPolicy(forbidden_calls=("scipy.signal",), forbidden_imports=("convkit",))
        Traceback (most recent call last):
        ...
        ValueError: forbidden_imports misses modules named in forbidden_calls: scipy.signal
    """

    forbidden_calls: tuple[str, ...] = DEFAULT_FORBIDDEN
    forbidden_imports: tuple[str, ...] = IMPLEMENTATION_IMPORTS
    unsafe_imports: tuple[str, ...] = UNSAFE_IMPORTS
    allow: tuple[str, ...] = ()
    note: str = ""

    def __post_init__(self) -> None:
        for field in ("forbidden_calls", "forbidden_imports", "unsafe_imports", "allow"):
            object.__setattr__(self, field, _strings(field, getattr(self, field)))
        if not isinstance(self.note, str):
            raise TypeError(f"note must be a string, got {type(self.note).__name__}")
        missing = [m for m in self.call_modules() if not _covers(self.forbidden_imports, m)]
        if missing:
            raise ValueError(
                "forbidden_imports misses modules named in forbidden_calls: " + ", ".join(missing)
            )

    def call_modules(self) -> tuple[str, ...]:
        """The entries of ``forbidden_calls`` that name modules (no ``*``)."""
        return tuple(f for f in self.forbidden_calls if "*" not in f)

    def import_flagged(self, module: str) -> bool:
        """Whether the scan flags ``import <module>`` (or ``from <module> import ...``)."""
        if _covers(self.allow, module):
            return False
        return _covers(self.forbidden_imports + self.unsafe_imports, module)

    def forbidden_policy(self):
        """The :class:`convgrade.ForbiddenPolicy` (matching rules) of ``forbidden_calls``."""
        from convgrade.forbidden import ForbiddenPolicy

        return ForbiddenPolicy(self.forbidden_calls, self.allow)

    @classmethod
    def from_dict(cls, data: dict) -> GradingPolicy:
        """The defaults with the keys of ``data`` (a parsed ``grading.json``) in their place."""
        if not isinstance(data, dict):
            raise TypeError(f"a grading policy must be a JSON object, got {type(data).__name__}")
        fields = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - fields)
        if unknown:
            raise ValueError(
                f"unknown key(s) {', '.join(unknown)} in a grading policy "
                f"(known: {', '.join(sorted(fields))})"
            )
        values = dict(data)
        if "forbidden_calls" in values and "forbidden_imports" not in values:
            calls = _strings("forbidden_calls", values["forbidden_calls"])
            values["forbidden_imports"] = tuple(f for f in calls if "*" not in f)
        return cls(**values)

    def to_dict(self) -> dict:
        fields = dataclasses.asdict(self).items()
        return {k: list(v) if isinstance(v, tuple) else v for k, v in fields}


def load_policy(source_dir: Path | str | None) -> GradingPolicy:
    """The policy of the assignment whose source notebooks are in ``source_dir``: the defaults,
    overridden by ``source_dir/grading.json`` when it exists (``None``: the defaults).

    Raises:
        ValueError: the file is not valid JSON or has an unknown key (the message names the file).
    """
    if source_dir is None:
        return GradingPolicy()
    path = Path(source_dir) / POLICY_FILE
    if not path.exists():
        return GradingPolicy()
    try:
        return GradingPolicy.from_dict(json.loads(path.read_text()))
    except (ValueError, TypeError) as err:
        raise ValueError(f"{path}: {err}") from err
