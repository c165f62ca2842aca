"""Progress of a class run: a tqdm bar on a terminal, one plain line per student otherwise.

The plain lines (``[n/N] student: status score``) are what logs and the tests read; on a terminal
the bar (students done, rate, time left) is drawn and the same lines are written above it.
"""

from __future__ import annotations

import sys
import threading

__all__ = ["Progress"]


class Progress:
    """Report students as they finish (any order; thread-safe)."""

    def __init__(self, total: int, out=sys.stdout, *, bar: bool | None = None, desc: str = ""):
        self.total, self.out, self.done = total, out, 0
        self._lock = threading.Lock()
        if bar is None:
            isatty = getattr(out, "isatty", None)
            bar = bool(isatty and isatty())
        self._bar = None
        if bar and total:
            from tqdm import tqdm

            self._bar = tqdm(total=total, file=out, unit="student", desc=desc, dynamic_ncols=True)

    def line(self, text: str) -> None:
        """Write ``text`` (above the bar when there is one)."""
        with self._lock:
            if self._bar is not None:
                self._bar.write(text, file=self.out)
            else:
                print(text, file=self.out, flush=True)

    def student(self, name: str, text: str) -> None:
        """One student done: ``[n/N] name: text``."""
        with self._lock:
            self.done += 1
            msg = f"[{self.done}/{self.total}] {name}: {text}"
            if self._bar is not None:
                self._bar.write(msg, file=self.out)
                self._bar.update(1)
            else:
                print(msg, file=self.out, flush=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
