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
machine.
"""

from __future__ import annotations

import os
import time

from traitlets import Float

from autograder.twoprocess import SplitExecute

__all__ = ["CpuTimeExecute", "tree_cpu_seconds"]


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

    async def _async_handle_timeout(self, timeout, cell=None):
        if cell is not None and self._starved(timeout):
            return None  # nbclient's poll loop then waits another `timeout`
        return await super()._async_handle_timeout(timeout, cell)


#: When set, :class:`ProfiledExecute` appends its timings (JSON lines) to this file.
PROFILE_ENV = "AUTOGRADER_PROFILE"


class ProfiledExecute(CpuTimeExecute):
    """:class:`CpuTimeExecute` that records where one notebook's grading time goes (kernel
    starts, guard reports, requests to the trusted kernel, cells by role) when
    ``$AUTOGRADER_PROFILE`` names a file (``benchmarks/grading_throughput.py --profile``)."""

    def preprocess(self, nb, resources=None, km=None):
        self._times: dict[str, list[float]] = {}
        t0 = time.perf_counter()
        try:
            return super().preprocess(nb, resources, km)
        finally:
            self._record_time("execute preprocessor (all of it)", time.perf_counter() - t0)
            path = os.environ.get(PROFILE_ENV)
            if path:
                import json

                with open(path, "a") as fh:
                    fh.write(json.dumps({"pid": os.getpid(), "times": self._times}) + "\n")

    def _record_time(self, key: str, seconds: float) -> None:
        if hasattr(self, "_times"):
            self._times.setdefault(key, []).append(seconds)

    async def _timed(self, key, coro):
        t0 = time.perf_counter()
        try:
            return await coro
        finally:
            self._record_time(key, time.perf_counter() - t0)

    async def async_start_new_kernel_client(self):
        return await self._timed(
            "kernel starts (student, guard check, trusted)", super().async_start_new_kernel_client()
        )

    async def _launch_trusted(self):
        return await self._timed(
            "  of which the trusted kernel (in parallel with the student's)",
            super()._launch_trusted(),
        )

    async def _async_fetch_report(self):
        return await self._timed("guard report round trips", super()._async_fetch_report())

    async def _async_trusted_run(self, code):
        return await self._timed(
            "trusted-kernel requests (bind, setup copies)", super()._async_trusted_run(code)
        )

    async def async_execute_cell(self, cell, cell_index, execution_count=None, store_history=True):
        role = self._role(cell) if cell.cell_type == "code" else "markdown"
        return await self._timed(
            f"cells: {role}",
            super().async_execute_cell(cell, cell_index, execution_count, store_history),
        )
