"""A student's view of every visible test at once: the scorecard.

Run All in JupyterLab stops at the first cell that raises, so a student who has not finished the
first function never sees the tests of the others. :func:`scorecard` (the last cell of every
released notebook) and ``python -m convgrade.scorecard NOTEBOOK.ipynb`` (a terminal) run the
notebook **as saved** in a fresh kernel, every cell even after an error, and print one line per
test cell (its ``grade_id``, PASS or FAIL with the first line of the reason, its points), then
the total of the visible points.

It reads only the notebook it is given (the released one, without hidden tests): it cannot show
or run anything the student does not already have.

:func:`passed` (:mod:`convgrade.testcell`) is what every test cell of the course calls on its last
line: it says that the cell's checks held and what the cell is worth.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from convgrade.testcell import passed

__all__ = [
    "CHILD_ENV",
    "SESSION_ENV",
    "TestResult",
    "format_line",
    "main",
    "passed",
    "run_scorecard",
    "scorecard",
    "summary",
    "graded_cells",
]

#: Set in the kernel the scorecard starts, so a scorecard cell there does nothing.
CHILD_ENV = "CONVGRADE_SCORECARD_CHILD"
#: Set by jupyter_server (2.x) in the environment of a notebook's kernel: the notebook's path.
SESSION_ENV = "JPY_SESSION_NAME"
#: The tag of the scorecard cells (:data:`convgrade.release.SCORECARD_TAG`), never run by it.
_TAG = "scorecard"


@dataclasses.dataclass(frozen=True)
class TestResult:
    """One test cell's outcome: ``reason`` is empty when it passed."""

    __test__ = False  # not a pytest test class

    grade_id: str
    points: float
    passed: bool
    reason: str = ""

    @property
    def score(self) -> float:
        return self.points if self.passed else 0.0


def format_line(result: TestResult, width: int = 36) -> str:
    """One scorecard line.

    Examples::

        >>> print(format_line(TestResult("test_corr2d", 2, True)))
        PASS  test_corr2d                           2/2
        >>> print(format_line(TestResult("test_pad", 1, False, "AssertionError: y differs")))
        FAIL  test_pad                              0/1  AssertionError: y differs
    """
    line = f"{'PASS' if result.passed else 'FAIL'}  {result.grade_id:<{width}}  "
    line += f"{result.score:g}/{result.points:g}"
    return f"{line}  {result.reason}" if result.reason else line


def _reason(ename: str, evalue: str) -> str:
    first = next((ln.strip() for ln in str(evalue).splitlines() if ln.strip()), "")
    return f"{ename}: {first}" if first else ename


def graded_cells(nb) -> list[tuple[int, str, float]]:
    """``(index, grade_id, points)`` of every test cell (nbgrader ``grade`` and not
    ``solution``) of a notebook, in order."""
    out = []
    for index, cell in enumerate(nb.cells):
        meta = cell.get("metadata", {}).get("nbgrader", {}) or {}
        if cell.cell_type == "code" and meta.get("grade") and not meta.get("solution"):
            out.append((index, str(meta.get("grade_id", f"cell {index}")), meta.get("points", 0)))
    return out


@contextlib.contextmanager
def _child_environment() -> Iterator[None]:
    """The kernel the scorecard starts inherits this environment: it marks it as the
    scorecard's own and drops the session variable (so a scorecard cell there does nothing)."""
    saved = {k: os.environ.get(k) for k in (CHILD_ENV, SESSION_ENV)}
    os.environ[CHILD_ENV] = "1"
    os.environ.pop(SESSION_ENV, None)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@contextlib.contextmanager
def _kernel_transport() -> Iterator[dict[str, Any]]:
    """The kernel manager's settings for the scorecard's kernel: IPC transport (Unix sockets in a
    private temporary folder) where zmq supports it, so that no port is opened and ipykernel has
    no reason to warn that it runs over TCP without encryption; TCP elsewhere (Windows)."""
    import zmq

    if os.name != "posix" or not zmq.has("ipc"):
        yield {}
        return
    folder = tempfile.mkdtemp(prefix="scorecard-")  # mode 0700: only this user reaches it
    try:
        yield {"KernelManager": {"transport": "ipc", "ip": os.path.join(folder, "kernel")}}
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def run_scorecard(
    path: str | os.PathLike,
    *,
    timeout: int = 120,
    kernel_name: str | None = None,
    on_result: Callable[[TestResult], None] | None = None,
    on_note: Callable[[str], None] | None = None,
) -> list[TestResult]:
    """Run the notebook at ``path`` in a fresh kernel (in its folder), every code cell but the
    scorecard's own, errors allowed, and return one :class:`TestResult` per test cell.

    Args:
        path: a notebook (the student's copy of a released assignment).
        timeout: seconds allowed per cell (as ``c.Execute.timeout`` when grading).
        kernel_name: the kernel to run; default the notebook's own (``python3``).
        on_result: called with each test cell's result as soon as the cell has run.
        on_note: called with a line about a cell that is not a test and raised an error (an
            answer cell with a syntax error explains every failure after it).
    """
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    from traitlets.config import Config

    path = Path(path)
    nb = nbformat.read(str(path), as_version=4)
    nb.cells = [c for c in nb.cells if _TAG not in c.get("metadata", {}).get("tags", [])]
    tests = {index: (gid, points) for index, gid, points in graded_cells(nb)}
    results: list[TestResult] = []

    def executed(cell, cell_index, execute_reply):
        content = execute_reply.get("content", {}) if execute_reply else {}
        failed = content.get("status") == "error"
        reason = _reason(content.get("ename", "error"), content.get("evalue", "")) if failed else ""
        if cell_index in tests:
            gid, points = tests[cell_index]
            result = TestResult(gid, points, not failed, reason)
            results.append(result)
            if on_result:
                on_result(result)
        elif failed and on_note:
            gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            on_note(f"cell {cell_index + 1}{f' ({gid})' if gid else ''} raised {reason}")

    kwargs: dict[str, Any] = {"kernel_name": kernel_name} if kernel_name else {}
    with _kernel_transport() as settings:
        client = NotebookClient(
            nb,
            timeout=timeout,
            allow_errors=True,
            interrupt_on_timeout=True,
            on_cell_executed=executed,
            resources={"metadata": {"path": str(path.parent.resolve())}},
            config=Config(settings),
            **kwargs,
        )
        # a timeout ends the run only if the interrupt did not help; a cell may kill the kernel
        with _child_environment(), contextlib.suppress(CellTimeoutError, DeadKernelError):
            client.execute()
    done = {r.grade_id for r in results}
    for gid, points in tests.values():
        if gid not in done:  # the kernel died or the run stopped before this cell
            results.append(TestResult(gid, points, False, "did not run (the kernel stopped)"))
    return results


def summary(results: list[TestResult]) -> str:
    """The scorecard's last line.

    Examples::

        >>> print(summary([TestResult("a", 2, True), TestResult("b", 1, False, "x")]))
        Visible tests: 2/3 points, 1 of 2 test cells passed.
    """
    score = sum(r.score for r in results)
    total = sum(r.points for r in results)
    count = sum(r.passed for r in results)
    return (
        f"Visible tests: {score:g}/{total:g} points, {count} of {len(results)} test cells passed."
    )


def _print_card(path: Path, kernel_name: str | None = None) -> list[TestResult]:
    saved = time.strftime("%H:%M:%S", time.localtime(path.stat().st_mtime))
    print(f"Scorecard of {path.name} as saved at {saved}, run in a fresh kernel ...", flush=True)

    def note(line: str) -> None:
        print(f"  note: {line}", flush=True)

    def show(result: TestResult) -> None:
        print(format_line(result), flush=True)

    results = run_scorecard(path, kernel_name=kernel_name, on_result=show, on_note=note)
    print(summary(results))
    print("The grade also counts hidden tests; edits since the last save are not included.")
    return results


def scorecard(notebook: str | os.PathLike | None = None) -> None:
    """Print the scorecard of ``notebook`` (default: the notebook whose kernel runs this, as
    JupyterLab names it in ``JPY_SESSION_NAME``). It returns nothing, so the cell shows only the
    printed lines; :func:`run_scorecard` returns the results.

    Only runs in a notebook opened in Jupyter (or with an explicit ``notebook``): when a grader
    or the scorecard itself runs the notebook, the call prints one line and does nothing else.
    """
    if os.environ.get(CHILD_ENV):
        return
    if notebook is None:
        session = os.environ.get(SESSION_ENV, "")
        if not session.endswith(".ipynb"):
            print(
                "scorecard: runs in JupyterLab only (here: no notebook session); "
                "from a terminal: python -m convgrade.scorecard NOTEBOOK.ipynb"
            )
            return
        notebook = Path(session)
        if not notebook.is_absolute():  # a path under the server's root: find it from here
            here = Path.cwd() / notebook.name
            notebook = here if here.exists() else notebook
    _print_card(Path(notebook))


def main(argv: list[str] | None = None) -> int:
    """``python -m convgrade.scorecard NOTEBOOK.ipynb [...]``: exit status 0 when every visible
    test passed, 1 otherwise."""
    parser = argparse.ArgumentParser(
        prog="python -m convgrade.scorecard",
        description="Run every visible test of a notebook (as saved) and print a scorecard.",
    )
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--kernel", default=None, help="kernel name (default: the notebook's)")
    args = parser.parse_args(argv)
    ok = True
    for path in args.notebooks:
        if not path.is_file():
            parser.error(f"notebooks: no such file: {path}")
        results = _print_card(path, args.kernel)
        ok = ok and all(r.passed for r in results)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
