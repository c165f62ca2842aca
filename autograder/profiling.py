"""Where grading time goes: wall-clock and CPU seconds per phase, when ``$AUTOGRADER_PROFILE``
names a file (``benchmarks/grading_throughput.py --profile``).

Each :func:`phase` appends one JSON line ``{"pid", "phase", "wall", "cpu"}`` to that file: the
wall-clock seconds of the phase and the CPU seconds (user + system) that this process and its
child processes (the grading kernels, still running or reaped) used during it (:func:`cpu_now`).
A phase whose CPU is far below its wall-clock time waited. Without the variable, :func:`phase`
costs nothing.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import time

__all__ = ["PROFILE_ENV", "cpu_now", "enabled", "phase", "record"]

#: When set, timings are appended (JSON lines) to this file.
PROFILE_ENV = "AUTOGRADER_PROFILE"


def enabled() -> bool:
    return bool(os.environ.get(PROFILE_ENV))


_HIGH = 0.0


def cpu_now() -> float:
    """CPU seconds (user + system) of this process, of the child processes it has reaped (with
    what they reaped) and of its live descendants. A kernel that exits without being reaped up the
    chain (bubblewrap's own init reaps the sandboxed kernel) takes its CPU time with it; the count
    then stays at its highest value so far, never goes back: a phase in which kernels exit shows a
    lower bound."""
    global _HIGH
    reaped = resource.getrusage(resource.RUSAGE_CHILDREN)
    total = time.process_time() + reaped.ru_utime + reaped.ru_stime
    try:
        import psutil  # type: ignore[import-untyped]

        for child in psutil.Process().children(recursive=True):
            with contextlib.suppress(psutil.Error):
                t = child.cpu_times()
                total += t.user + t.system
    except Exception:
        pass
    _HIGH = max(_HIGH, total)
    return _HIGH


def record(name: str, wall: float, cpu: float) -> None:
    path = os.environ.get(PROFILE_ENV)
    if not path:
        return
    line = json.dumps({"pid": os.getpid(), "phase": name, "wall": wall, "cpu": cpu})
    with open(path, "a") as fh:
        fh.write(line + "\n")


@contextlib.contextmanager
def phase(name: str):
    """Time the block (wall-clock and CPU, see the module docstring) as ``name``."""
    if not enabled():
        yield
        return
    w0, c0 = time.perf_counter(), cpu_now()
    try:
        yield
    finally:
        record(name, time.perf_counter() - w0, cpu_now() - c0)


class AsyncPhase:
    """``async with AsyncPhase(name):`` the same as :func:`phase` for a coroutine's block."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.start: tuple[float, float] | None = None

    async def __aenter__(self):
        if enabled():
            self.start = (time.perf_counter(), cpu_now())
        return self

    async def __aexit__(self, *exc) -> None:
        if self.start is not None:
            w0, c0 = self.start
            record(self.name, time.perf_counter() - w0, cpu_now() - c0)
