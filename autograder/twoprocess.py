"""Two-process grading: the hidden tests run in a trusted kernel, the student's code in the sandbox.

:class:`SplitExecute` replaces nbgrader's Execute preprocessor (through
:class:`autograder.execute.GuardedExecute`, so the guard's reports still come from the student's
kernel). It starts two kernels per notebook:

* the **student's kernel** (sandboxed, as before) runs the answer cells, the free cells and the
  instructor's setup cells;
* the **trusted kernel** (outside the sandbox, loopback TCP, its connection file in the grader's
  private folder) runs the test cells, with the hidden tests, the check helpers and the reference
  implementations, and its own copy of every setup cell (so ``check_array``, ``np``, the data and
  the helper functions a test uses are the instructor's, whatever the student rebinds).

Which cell is which is decided by the **hash of its source** against the instructor's source
notebook (:class:`SplitConfig`, made by :func:`split_config`), never by its metadata, which a
student can edit: a cell runs in the trusted kernel only if its text is exactly one of the
instructor's test or setup cells. Before each test cell the executor binds, in the trusted
kernel, the names of the student's definitions that the cell uses (:func:`autograder.trusted.bind`):
values cross by value and functions and objects become remote references
(:mod:`autograder.wire`).
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
import dataclasses
import json
import os
import queue
import shutil
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

from nbclient.util import ensure_async, run_sync
from traitlets import Integer

from autograder.execute import GuardedExecute
from autograder.guard import source_hash

__all__ = [
    "SPLIT_ENV",
    "TRUSTED_KERNEL",
    "SplitConfig",
    "SplitExecute",
    "split_config",
    "write_trusted_kernelspec",
]

#: JSON of a :class:`SplitConfig`, read by :class:`SplitExecute` in the nbgrader process.
SPLIT_ENV = "AUTOGRADER_SPLIT"
#: Name of the trusted kernel's kernelspec (written by :func:`write_trusted_kernelspec`).
TRUSTED_KERNEL = "convkit-trusted"


@dataclasses.dataclass(frozen=True)
class SplitConfig:
    """Which cells run where, for one assignment.

    Args:
        tests: hashes of the instructor's test cells (hidden tests included): trusted kernel only.
        setup: hashes of the instructor's other locked cells: both kernels.
        names: the names the student's cells define (answer cells and free cells of the source
            notebook), bound into the trusted kernel before a test cell that uses them.
    """

    tests: tuple[str, ...] = ()
    setup: tuple[str, ...] = ()
    names: tuple[str, ...] = ()

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self))

    @classmethod
    def from_json(cls, text: str) -> SplitConfig:
        data = json.loads(text)
        return cls(**{k: tuple(v) for k, v in data.items()})


def _meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def _hashes(source: str) -> set[str]:
    return {source_hash(source), source_hash(source.rstrip("\n"))}


def defined_names(source: str) -> set[str]:
    """Top-level names a cell defines (functions, classes, assignments, imports)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    out: set[str] = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for sub in ast.walk(target):
                    if isinstance(sub, ast.Name):
                        out.add(sub.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                out.add((alias.asname or alias.name).split(".")[0])
    return out


def split_config(source_notebooks) -> SplitConfig:
    """The :class:`SplitConfig` of an assignment from its source notebooks (with solutions)."""
    import nbformat

    tests: set[str] = set()
    setup: set[str] = set()
    student: set[str] = set()
    instructor: set[str] = set()
    for path in source_notebooks:
        nb = nbformat.read(str(path), as_version=4)
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            meta = _meta(cell)
            if meta.get("grade") and not meta.get("solution"):
                tests |= _hashes(cell.source)
            elif meta.get("locked") and not meta.get("solution"):
                setup |= _hashes(cell.source)
                instructor |= defined_names(cell.source)
            else:
                student |= defined_names(cell.source)
    return SplitConfig(
        tests=tuple(sorted(tests)),
        setup=tuple(sorted(setup)),
        names=tuple(sorted(student - instructor)),
    )


def write_trusted_kernelspec(folder: Path) -> Path:
    """The trusted kernel's kernelspec under ``folder/kernels`` (a plain ipykernel of this
    Python, not sandboxed); returns its folder."""
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "convkit grader (trusted tests)",
        "language": "python",
        "metadata": {"debugger": False},
    }
    kdir = Path(folder) / "kernels" / TRUSTED_KERNEL
    kdir.mkdir(parents=True, exist_ok=True)
    (kdir / "kernel.json").write_text(json.dumps(spec, indent=1))
    return kdir


class SplitExecute(GuardedExecute):
    """GuardedExecute with the test cells run in a second, trusted kernel (module docstring).

    Without ``AUTOGRADER_SPLIT`` in the environment it is exactly :class:`GuardedExecute`.
    """

    trusted_startup_timeout = Integer(120, help="seconds to wait for the trusted kernel").tag(
        config=True
    )

    def preprocess(self, nb, resources=None, km=None):
        raw = os.environ.get(SPLIT_ENV)
        self._split = SplitConfig.from_json(raw) if raw else None
        self._tests = set(self._split.tests) if self._split else set()
        self._setup = set(self._split.setup) if self._split else set()
        self._tkm = None
        self._tkc = None
        self._tdir = None
        self._trusted_errors: list[dict] = []
        try:
            nb, resources = super().preprocess(nb, resources, km)
        finally:
            self._stop_trusted()
        if self._split is not None:
            nb.metadata.setdefault("autograder", {})["trusted_setup_errors"] = self._trusted_errors
        return nb, resources

    # -- the trusted kernel -----------------------------------------------------------------
    async def async_start_new_kernel_client(self):
        if self._split is None:
            return await super().async_start_new_kernel_client()
        # the two kernels start at the same time (neither needs the other to start); the trusted
        # one connects to the student's once both are ready
        launch = asyncio.ensure_future(self._launch_trusted())
        try:
            kc = await super().async_start_new_kernel_client()
        except BaseException:
            with contextlib.suppress(Exception):
                await launch  # its kernel is stopped by _stop_trusted
            raise
        await launch
        await self._connect_trusted()
        return kc

    async def _launch_trusted(self) -> None:
        from jupyter_client.manager import AsyncKernelManager

        self._tdir = tempfile.mkdtemp(prefix="ag-trusted-")
        env = {k: v for k, v in os.environ.items() if not k.startswith("AUTOGRADER_")}
        env["MPLBACKEND"] = "agg"
        km = AsyncKernelManager(
            kernel_name=TRUSTED_KERNEL,
            transport="tcp",
            ip="127.0.0.1",
            connection_file=os.path.join(self._tdir, "kernel.json"),
        )
        self._tkm = km  # stopped by _stop_trusted whatever happens next
        await km.start_kernel(
            cwd=self._tdir, env=env, extra_arguments=["--HistoryManager.hist_file=:memory:"]
        )
        kc = km.client()
        kc.start_channels()
        self._tkc = kc
        await kc.wait_for_ready(timeout=self.trusted_startup_timeout)

    async def _connect_trusted(self) -> None:
        assert self.km is not None
        info = dict(self.km.get_connection_info(session=False))
        info["key"] = info["key"].decode() if isinstance(info["key"], bytes) else info["key"]
        names = list(self._split.names) if self._split is not None else []
        code = (
            "__import__('autograder.trusted', fromlist=['connect'])"
            f".connect({json.dumps(info, default=str)!r}, {names!r})"
        )
        reply = await self._async_trusted_run(code)
        if not reply or reply["content"].get("status") != "ok":
            why = reply["content"].get("evalue") if reply else "no reply"
            raise RuntimeError(f"the trusted kernel could not reach the student's kernel: {why}")

    async def _async_cleanup_kernel(self) -> None:
        # the trusted kernel first: its link to the student's kernel closes before that one stops
        self._stop_trusted()
        await super()._async_cleanup_kernel()

    def _stop_trusted(self) -> None:
        km, kc = self._tkm, self._tkc
        self._tkm = self._tkc = None
        if kc is not None:
            with contextlib.suppress(Exception):
                kc.stop_channels()
        if km is not None:
            try:
                run_sync(km.shutdown_kernel)(now=True)
            except Exception as err:
                self.log.warning("could not stop the trusted kernel: %s", err)
        if self._tdir:
            shutil.rmtree(self._tdir, ignore_errors=True)

    @contextmanager
    def _on_trusted(self):
        saved = self.km, self.kc  # type: ignore[has-type]  # traitlets of nbclient
        self.km, self.kc = self._tkm, self._tkc
        try:
            yield
        finally:
            self.km, self.kc = saved

    async def _async_trusted_run(self, code: str):
        with self._on_trusted():
            assert self.kc is not None
            msg_id = self.kc.execute(code, silent=True, store_history=False, stop_on_error=False)
            return await self.async_wait_for_reply(msg_id)

    async def _drain_student_iopub(self) -> None:
        """Read away what the student's kernel published while a test cell ran on the trusted
        kernel (a busy and an idle status per request loop, nobody reading them here): left
        queued, they would pile up over the notebook's test cells. Only what has arrived is read,
        without waiting: a message still on its way is read by the next drain, or skipped by
        nbclient's own reader, which ignores messages of other requests (a fixed 50 ms wait here
        cost every test cell 50 ms)."""
        assert self.kc is not None
        while True:
            try:
                await ensure_async(self.kc.iopub_channel.get_msg(timeout=0))
            except queue.Empty:
                return

    def _collect(self, cell, index) -> None:
        if self._role(cell) != "test":
            return super()._collect(cell, index)
        # whatever the guard recorded while a test cell ran came from the student's code that
        # the test called: it costs that test cell, whichever cell the guard names
        saved = self._cells_by_hash
        self._cells_by_hash = {}
        try:
            super()._collect(cell, index)
        finally:
            self._cells_by_hash = saved

    # -- routing ----------------------------------------------------------------------------
    def _role(self, cell) -> str:
        if self._split is None or cell.cell_type != "code" or not cell.source.strip():
            return "student"
        hashes = _hashes(cell.source)
        if hashes & self._tests:
            return "test"
        if hashes & self._setup:
            return "setup"
        return "student"

    async def async_execute_cell(self, cell, cell_index, execution_count=None, store_history=True):
        role = self._role(cell)
        if role == "test":
            finished = False
            try:
                # the trusted kernel binds the student's names the cell uses in its pre_run_cell
                # hook (autograder.trusted.connect) and ends the request loop in post_run_cell
                with self._on_trusted():
                    out = await super().async_execute_cell(
                        cell, cell_index, execution_count, store_history
                    )
                # no request of ours is needed to end the loop, unless the cell timed out, when
                # the reply was not waited for
                finished = not any(
                    o.get("ename") == "CellTimeoutError" for o in cell.get("outputs", [])
                )
                return out
            finally:
                if not finished:  # the student's kernel leaves its request loop
                    await self._async_trusted_run(
                        "__import__('autograder.trusted', fromlist=['release']).release()"
                    )
                await self._drain_student_iopub()
        out = await super().async_execute_cell(cell, cell_index, execution_count, store_history)
        if role == "setup":
            reply = await self._async_trusted_run(cell.source)
            if not reply or reply["content"].get("status") != "ok":
                content = reply["content"] if reply else {}
                error = {
                    "cell_index": cell_index,
                    "ename": content.get("ename", "no reply"),
                    "evalue": str(content.get("evalue", ""))[:500],
                }
                self._trusted_errors.append(error)
                self.log.warning("the trusted copy of setup cell %s failed: %s", cell_index, error)
        return out
