"""What happened to a grading kernel, read back by the class command.

The launcher (:mod:`autograder.launcher`) appends one JSON line per kernel that ended to the
report file (:func:`write_report`, reason from :func:`explain_exit`); the class command takes them
after each student (:func:`take_reports`) and reads the limits a cell ran into from the graded
notebooks (:func:`limit_reasons`). Reasons name no time, so grading twice writes the same CSV.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path

from autograder.config import CPU_GRACE_S, SandboxConfig

__all__ = ["explain_exit", "limit_reasons", "take_reports", "write_report"]


def explain_exit(cfg: SandboxConfig, status: int) -> str | None:
    """A reason for the class report when a kernel ended abnormally (``status``: its exit status,
    128 + N for signal N), else None. It names no time, so that grading a class twice writes the
    same CSV (the kernel report keeps the wall-clock seconds)."""
    if status == 0:
        return None
    if status > 128:
        sig = status - 128
        try:
            name = signal.Signals(sig).name
        except ValueError:
            name = f"signal {sig}"
        if sig == signal.SIGXCPU:
            return (
                f"CPU-time limit: the grading kernel used its {cfg.cpu_seconds} s of CPU time "
                f"(--cpu-seconds) and was stopped by SIGXCPU"
            )
        if sig == signal.SIGXFSZ:
            return (
                f"file-size limit: the grading kernel was stopped by SIGXFSZ "
                f"(limit {cfg.file_bytes >> 20} MiB)"
            )
        if sig == signal.SIGTERM:
            return (
                "the grading kernel did not exit when the grader shut it down "
                "(stopped with SIGTERM)"
            )
        if sig == signal.SIGKILL:
            return (
                f"the grading kernel was killed by SIGKILL (by its own code, the system, or the "
                f"CPU-time limit {CPU_GRACE_S} s after an ignored SIGXCPU)"
            )
        return f"the grading kernel was killed by {name}"
    return f"the grading kernel exited with status {status}"


def write_report(cfg: SandboxConfig, entry: dict) -> None:
    """Append one kernel's ``entry`` to ``cfg.report`` (the launcher, when a kernel ended)."""
    path = cfg.report
    if not path:
        return
    try:
        with open(path, "a") as fh:
            fh.write(json.dumps(entry) + "\n")
    except OSError as err:
        print(
            f"autograder.launcher: could not write the kernel report {path}: {err}", file=sys.stderr
        )


def take_reports(cfg: SandboxConfig) -> list[dict]:
    """The launcher's reports since the last call (one per kernel that ended), then forget them."""
    path = cfg.report
    if not path or not os.path.exists(path):
        return []
    with open(path) as fh:
        entries = [json.loads(line) for line in fh if line.strip()]
    os.unlink(path)
    return entries


_LIMIT_ERRORS = (
    ("MemoryError", None, "memory limit", "memory_bytes", "--memory-gb"),
    (None, "Resource temporarily unavailable", "process limit", "max_procs", "--max-procs"),
    (None, "can't start new thread", "process limit", "max_procs", "--max-procs"),
    (None, "File too large", "file-size limit", "file_bytes", "--file-mb"),
)


def _limit_text(cfg: SandboxConfig, key: str) -> str:
    v = getattr(cfg, key, None)
    if v is None:
        return "?"
    if key == "memory_bytes":
        return f"{v / (1 << 30):g} GiB of address space"
    if key == "file_bytes":
        return f"{v / (1 << 20):g} MiB per file"
    return f"{v} processes and threads"


def limit_reasons(folder: Path, cfg: SandboxConfig) -> list[str]:
    """Reasons for the cells of the autograded notebooks in ``folder`` whose error says a limit was
    hit (``MemoryError``, ``Resource temporarily unavailable``, ``File too large``)."""
    import nbformat

    if not cfg.sandboxed:  # the limits were not set: a MemoryError is just that
        return []
    found: dict[str, list[str]] = {}
    for path in sorted(Path(folder).glob("*.ipynb")):
        nb = nbformat.read(str(path), as_version=4)
        for i, cell in enumerate(nb.cells, 1):
            for out in cell.get("outputs", []):
                if out.get("output_type") != "error":
                    continue
                ename, evalue = str(out.get("ename", "")), str(out.get("evalue", ""))
                for want_name, want_text, what, key, flag in _LIMIT_ERRORS:
                    if (want_name and ename == want_name) or (want_text and want_text in evalue):
                        where = (cell.get("metadata", {}).get("nbgrader", {}) or {}).get(
                            "grade_id"
                        ) or f"cell {i}"
                        text = (
                            f"{what} ({_limit_text(cfg, key)}, {flag}) hit: "
                            f"{ename}: {evalue[:120]}".rstrip(": ")
                        )
                        found.setdefault(text, []).append(where)
                        break
    return [f"{text} (in {', '.join(dict.fromkeys(cells))})" for text, cells in found.items()]
