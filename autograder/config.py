"""Typed configuration of the class grader, and the environment variables that carry it.

The batch command (:mod:`autograder.batch`) builds a :class:`GuardConfig` and a
:class:`SandboxConfig` and hands them to processes it does not call directly (nbgrader's kernel
launcher, the grading kernel) as JSON in environment variables; those processes read them back
with :meth:`GuardConfig.from_json` / :meth:`SandboxConfig.from_json`. Every variable name is a
constant here.
"""

from __future__ import annotations

import dataclasses
import json
import os
from typing import Any

__all__ = [
    "BWRAP_ENV",
    "CONFIG_ENV",
    "GUARD_ENV",
    "SANDBOX_ENV",
    "GuardConfig",
    "SandboxConfig",
    "default_max_procs",
]

#: JSON of a :class:`GuardConfig`, read (and removed) by the grading kernel.
GUARD_ENV = "AUTOGRADER_GUARD"
#: JSON of a :class:`SandboxConfig`, read by the kernel launcher (``autograder.launcher``).
SANDBOX_ENV = "AUTOGRADER_SANDBOX"
#: Path of the extra nbgrader config the batch command writes; ``nbgrader_config.py`` loads it.
CONFIG_ENV = "AUTOGRADER_CONFIG"
#: The bwrap program to use instead of the one on PATH (tests point it at ``/bin/false``).
BWRAP_ENV = "AUTOGRADER_BWRAP"

#: The launcher sends SIGKILL this long after SIGXCPU, for a kernel that ignores SIGXCPU.
CPU_GRACE_S = 5
#: Size of the sandbox's private /tmp (a tmpfs, i.e. memory).
TMP_BYTES = 512 << 20


def default_max_procs() -> int:
    """Processes + threads a kernel may add: numpy/torch start about one thread per core."""
    return 256 + 4 * (os.cpu_count() or 1)


def _from_dict(cls, data: dict[str, Any] | str):
    if isinstance(data, str):
        data = json.loads(data)
    if not isinstance(data, dict):
        raise TypeError(f"{cls.__name__} must be a JSON object, got {type(data).__name__}")
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - names)
    if unknown:
        raise ValueError(f"unknown {cls.__name__} key(s): {', '.join(unknown)}")
    return cls(**data)


@dataclasses.dataclass(frozen=True)
class GuardConfig:
    """Settings of the in-kernel guard (:func:`autograder.guard.install`).

    Args:
        trusted: SHA-256 hashes of the instructor's cells (:func:`autograder.guard.source_hash`).
        token: the secret the guard signs its reports with.
        forbidden: :class:`convgrade.ForbiddenPolicy` entries (the policy's ``forbidden_calls``).
        allow: modules that stay allowed although ``forbidden`` covers them.
    """

    trusted: tuple[str, ...]
    token: str
    forbidden: tuple[str, ...] = ()
    allow: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name in ("trusted", "forbidden", "allow"):
            value = getattr(self, name)
            if isinstance(value, str):
                raise TypeError(f"{name} must be a sequence of strings, not a string")
            object.__setattr__(self, name, tuple(value))
        if not isinstance(self.token, str) or not self.token:
            raise ValueError("token must be a non-empty string")

    @classmethod
    def from_json(cls, data: dict[str, Any] | str) -> GuardConfig:
        """From a dict or its JSON (what :meth:`to_json` wrote)."""
        return _from_dict(cls, data)

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self))


@dataclasses.dataclass(frozen=True)
class SandboxConfig:
    """Settings of the kernel launcher for one class run (:func:`autograder.sandbox.box_config`).

    Args:
        hide: folders replaced by an empty tmpfs (files: by ``/dev/null``) inside the sandbox.
        readonly: paths bound back in read-only (the course's packages).
        writable: paths bound back in writable (the IPC socket folder).
        mounts: ``(source, destination)`` pairs bound read-only, the source at another path (the
            handout copy of convkit where the kernel's ``PYTHONPATH`` finds convkit, the copy of
            the pretrained-weights cache).
        setenv: ``(name, value)`` pairs set in the kernel's environment (``CONVKIT_CACHE``).
        handout: the assignment whose handout copy of convkit the kernel sees (``None``: the
            whole course package; see :mod:`autograder.handout`).
        sock: the IPC socket folder.
        report: the file the launcher appends one JSON line to per kernel that ended.
        cpu_seconds, memory_bytes, file_bytes, max_procs: resource limits of a kernel.
        uid, gid: the unprivileged user the kernel is dropped to (grading as root), else ``None``.
        bwrap: the bwrap program (``None``: from :data:`BWRAP_ENV` or PATH).
        setpriv: the setpriv program (``None``: from PATH).
        tmp_bytes: size of the private /tmp.
        sandboxed: ``False`` when the kernel runs without the launcher (no limits were set).
    """

    hide: tuple[str, ...] = ()
    readonly: tuple[str, ...] = ()
    writable: tuple[str, ...] = ()
    mounts: tuple[tuple[str, str], ...] = ()
    setenv: tuple[tuple[str, str], ...] = ()
    handout: str | None = None
    sock: str | None = None
    report: str | None = None
    cpu_seconds: int = 1800
    memory_bytes: int = 8 << 30
    file_bytes: int = 200 << 20
    max_procs: int = dataclasses.field(default_factory=default_max_procs)
    uid: int | None = None
    gid: int | None = None
    bwrap: str | None = None
    setpriv: str | None = None
    tmp_bytes: int = TMP_BYTES
    sandboxed: bool = True

    def __post_init__(self) -> None:
        for name in ("hide", "readonly", "writable"):
            value = getattr(self, name)
            if isinstance(value, str):
                raise TypeError(f"{name} must be a sequence of paths, not a string")
            object.__setattr__(self, name, tuple(str(p) for p in value))
        for name in ("mounts", "setenv"):
            value = getattr(self, name)
            pairs = tuple(tuple(str(x) for x in pair) for pair in value)
            if isinstance(value, str) or any(len(pair) != 2 for pair in pairs):
                raise TypeError(f"{name} must be a sequence of (str, str) pairs")
            object.__setattr__(self, name, pairs)
        for name in ("cpu_seconds", "memory_bytes", "file_bytes", "max_procs"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"{name} must be an int, got {type(value).__name__}")
            if value <= 0:
                raise ValueError(f"{name}={value}: must be positive")
        if (self.uid is None) != (self.gid is None):
            raise ValueError("uid and gid must be given together")

    @classmethod
    def from_json(cls, data: dict[str, Any] | str) -> SandboxConfig:
        """From a dict or its JSON (what :meth:`to_json` wrote)."""
        return _from_dict(cls, data)

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self))

    def replace(self, **changes: Any) -> SandboxConfig:
        return dataclasses.replace(self, **changes)
