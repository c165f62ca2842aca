"""A per-cell time limit that a loaded machine cannot turn into lost points.

nbgrader's ``Execute.timeout`` is wall-clock time: on a machine busy with other work (other
students graded at once with ``--jobs``, another class, a test suite) an honest cell that needs
10 s of CPU can take 30 s, and past the limit it is interrupted and scores 0.
:class:`CpuTimeExecute` keeps the limit's number but counts it in **CPU time** of the grading
kernels (the student's and the trusted one, with their children): when the wall-clock limit
passes and the kernels have used less CPU than the limit during the cell, the machine was busy,
not the cell, and the executor waits another period. A cell that burns CPU (an endless loop) is
stopped once it has used the limit in CPU time, as before; a cell that sleeps or waits is stopped
by the wall-clock backstop (``wall_factor`` times the limit). Either way the cell times out as
nbgrader's does (interrupt, ``CellTimeoutError``), so statuses and scores are unchanged on a quiet
machine. The trusted kernel's requests outside cells get the backstop too (nbclient would wait
only ``Execute.timeout`` wall-clock seconds for them).
"""

from __future__ import annotations

import os
import time

from traitlets import Float

from autograder import profiling
from autograder.twoprocess import SplitExecute

__all__ = ["CpuTimeExecute", "ProfiledExecute", "tree_cpu_seconds"]


def tree_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of the descendants of ``pid`` (not ``pid`` itself), including
    the children they have reaped."""
    import psutil  # type: ignore[import-untyped]

    total = 0.0
    try:
        children = psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        return 0.0
    for child in children:
        try:
            t = child.cpu_times()
        except psutil.Error:
            continue
        total += t.user + t.system + t.children_user + t.children_system
    return total


class CpuTimeExecute(SplitExecute):
    """:class:`~autograder.twoprocess.SplitExecute` with the per-cell limit in CPU time (module
    docstring)."""

    wall_factor = Float(
        10.0, help="wall-clock backstop of a cell, in multiples of Execute.timeout"
    ).tag(config=True)

    async def async_execute_cell(self, cell, cell_index, execution_count=None, store_history=True):
        self._cell_start = (time.monotonic(), tree_cpu_seconds(os.getpid()))
        return await super().async_execute_cell(cell, cell_index, execution_count, store_history)

    def _starved(self, timeout: float) -> bool:
        """True while the cell has used less than ``timeout`` CPU seconds and is within the
        wall-clock backstop: the machine, not the cell, is slow."""
        start = getattr(self, "_cell_start", None)
        if start is None:
            return False
        wall = time.monotonic() - start[0]
        cpu = tree_cpu_seconds(os.getpid()) - start[1]
        if wall >= self.wall_factor * timeout or cpu >= timeout:
            return False
        self.log.warning(
            "cell still running after %.0f s wall-clock but only %.1f s of CPU time (limit %s s): "
            "the machine is busy; waiting",
            wall,
            cpu,
            timeout,
        )
        return True

    async def _async_trusted_run(self, code):
        """A request to the trusted kernel outside a cell (connecting it to the student's kernel,
        the trusted copy of a setup cell, ending a test cell's request loop). nbclient waits for
        its reply ``Execute.timeout`` seconds of wall-clock time, then interrupts and gets no
        reply, which would fail the whole notebook or lose a setup cell that the test cells
        need: on a busy machine, a generous ``wall_factor`` times that instead (the backstop of a
        cell)."""
        saved = self.timeout  # a traitlets trait of nbclient
        if saved and saved > 0:
            self.timeout = int(self.wall_factor * saved)
        try:
            return await super()._async_trusted_run(code)
        finally:
            self.timeout = saved

    async def _async_handle_timeout(self, timeout, cell=None):
        if cell is not None and self._starved(timeout):
            return None  # nbclient's poll loop then waits another `timeout`
        return await super()._async_handle_timeout(timeout, cell)


class ProfiledExecute(CpuTimeExecute):
    """:class:`CpuTimeExecute` that records where one notebook's grading time goes, wall-clock
    and CPU (:mod:`autograder.profiling`: kernel starts, guard reports, requests to the trusted
    kernel, cells by role, kernel shutdowns) when ``$AUTOGRADER_PROFILE`` names a file
    (``benchmarks/grading_throughput.py --profile``)."""

    def preprocess(self, nb, resources=None, km=None):
        with profiling.phase("execute: all of it"):
            return super().preprocess(nb, resources, km)

    async def async_start_new_kernel(self, **kwargs):
        async with profiling.AsyncPhase("execute: student kernel, process started"):
            return await super().async_start_new_kernel(**kwargs)

    async def async_start_new_kernel_client(self):
        async with profiling.AsyncPhase("execute: kernels ready (student + trusted, guard)"):
            return await super().async_start_new_kernel_client()

    async def _launch_trusted(self):
        async with profiling.AsyncPhase("execute:   trusted kernel start (overlaps)"):
            return await super()._launch_trusted()

    async def _connect_trusted(self):
        async with profiling.AsyncPhase("execute:   trusted kernel connects to the student's"):
            return await super()._connect_trusted()

    async def _async_fetch_report(self):
        async with profiling.AsyncPhase("execute: guard report round trips"):
            return await super()._async_fetch_report()

    async def _async_trusted_run(self, code):
        async with profiling.AsyncPhase("execute: trusted-kernel requests (bind, release, setup)"):
            return await super()._async_trusted_run(code)

    async def _drain_student_iopub(self):
        async with profiling.AsyncPhase("execute: draining the student's IOPub after a test"):
            return await super()._drain_student_iopub()

    async def async_execute_cell(self, cell, cell_index, execution_count=None, store_history=True):
        role = self._role(cell) if cell.cell_type == "code" else "markdown"
        async with profiling.AsyncPhase(f"execute: cells: {role} (all of it)"):
            return await super().async_execute_cell(
                cell, cell_index, execution_count, store_history
            )

    def _stop_trusted(self) -> None:
        with profiling.phase("execute: trusted kernel shutdown"):
            return super()._stop_trusted()

    async def _async_cleanup_kernel(self) -> None:
        async with profiling.AsyncPhase("execute: kernel shutdowns (trusted, then student)"):
            return await super()._async_cleanup_kernel()
