"""Resume an interrupted class run: remember who was graded, on what.

After each student the class command records the student's :class:`~autograder.batch.Result` and
a fingerprint of what was graded (:func:`fingerprint`: the submitted files, the assignment's source
files and the grading settings) in ``<course>/.autograder/state/<assignment>.json``. A later run
reuses a recorded result when the fingerprint is unchanged and the graded notebook is still there,
and grades everyone else; ``--force`` ignores the record.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from pathlib import Path

__all__ = ["State", "fingerprint", "tree_hash"]


def tree_hash(folder: Path) -> str:
    """sha256 over the relative paths and contents of the files under ``folder`` (sorted)."""
    h = hashlib.sha256()
    folder = Path(folder)
    if folder.is_dir():
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            rel = path.relative_to(folder).as_posix()
            if "/.ipynb_checkpoints/" in f"/{rel}" or "/__pycache__/" in f"/{rel}":
                continue
            h.update(rel.encode() + b"\0")
            h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


def fingerprint(submission: Path, source_hash: str, settings: dict) -> str:
    """What one student's grade depends on: their submitted files, the assignment's source
    (``source_hash``, a :func:`tree_hash` of its folder) and the grading ``settings``."""
    h = hashlib.sha256()
    h.update(tree_hash(submission).encode())
    h.update(source_hash.encode())
    h.update(json.dumps(settings, sort_keys=True, default=str).encode())
    return h.hexdigest()


class State:
    """The record of one assignment's class runs (thread-safe; written after every student)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._lock = threading.Lock()
        try:
            data = json.loads(self.path.read_text())
            self.entries: dict = data.get("students", {}) if isinstance(data, dict) else {}
        except (OSError, ValueError):
            self.entries = {}

    def lookup(self, student: str, fp: str) -> dict | None:
        """The recorded result of ``student`` if it was graded with fingerprint ``fp``."""
        entry = self.entries.get(student)
        if isinstance(entry, dict) and entry.get("fingerprint") == fp:
            result = entry.get("result")
            return result if isinstance(result, dict) else None
        return None

    def record(self, student: str, fp: str, result: dict) -> None:
        with self._lock:
            self.entries[student] = {"fingerprint": fp, "result": result}
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(f".tmp{os.getpid()}")
            tmp.write_text(json.dumps({"students": self.entries}, indent=1, sort_keys=True))
            os.replace(tmp, self.path)  # atomic: an interrupted run leaves the old or the new

    def forget(self, student: str) -> None:
        with self._lock:
            self.entries.pop(student, None)
