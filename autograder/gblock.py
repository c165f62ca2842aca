"""One writer at a time on the gradebook: concurrent ``nbgrader autograde`` processes share it.

nbgrader keeps its gradebook in sqlite and opens it many times while it grades one student
(``Gradebook(...)`` ... ``close()``), never while the notebook runs. Several students graded at
once (``--jobs N``) then race on the file, and sqlite answers a writer that arrives while another
holds the database with "database is locked" (a busy timeout does not cover a reader that wants to
become a writer). :func:`install`, called in each nbgrader process from the configuration the
class command writes, makes every ``Gradebook`` take an exclusive ``flock`` on a lock file for as
long as it is open (re-entrant within the process); :func:`locked` takes the same lock in the
class command when it reads scores. A process that dies releases its lock with its file
descriptors, so a crashing submission cannot block the others.
"""

from __future__ import annotations

import fcntl
import os
import threading
from contextlib import contextmanager
from pathlib import Path

__all__ = ["LOCK_ENV", "install", "locked"]

#: Path of the lock file, for the nbgrader processes.
LOCK_ENV = "AUTOGRADER_GRADEBOOK_LOCK"

_state = threading.local()
_installed = False


def _acquire(path: str) -> None:
    depth = getattr(_state, "depth", 0)
    if depth == 0:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)
        _state.fd = fd
    _state.depth = depth + 1


def _release() -> None:
    depth = getattr(_state, "depth", 0)
    if depth <= 0:
        return
    _state.depth = depth - 1
    if depth == 1:
        fd = _state.fd
        _state.fd = None
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


@contextmanager
def locked(path: str | Path):
    """Hold the gradebook lock ``path`` (re-entrant in this thread)."""
    _acquire(str(path))
    try:
        yield
    finally:
        _release()


def install(path: str | Path | None = None) -> bool:
    """Make ``nbgrader.api.Gradebook`` hold the lock ``path`` (default: the path in
    ``$AUTOGRADER_GRADEBOOK_LOCK``)
    from its creation to its ``close()``. Returns False (and changes nothing) without a path."""
    global _installed
    path = str(path or os.environ.get(LOCK_ENV, ""))
    if not path or _installed:
        return bool(path)
    from nbgrader.api import Gradebook

    init, close = Gradebook.__init__, Gradebook.close

    def locked_init(self, *args, **kwargs):
        _acquire(path)
        self._autograder_locked = True
        try:
            init(self, *args, **kwargs)
        except BaseException:
            self._autograder_locked = False
            _release()
            raise

    def locked_close(self):
        try:
            close(self)
        finally:
            if getattr(self, "_autograder_locked", False):
                self._autograder_locked = False
                _release()

    Gradebook.__init__ = locked_init
    Gradebook.close = locked_close
    _installed = True
    return True
