"""The pieces that took the waiting out of class grading (issue 16): the executor's blocking
methods reach the subclasses' coroutines, the fork server's nbgrader processes, the profiler."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import pytest

from autograder import batch, nbfork, profiling
from autograder.loadsafe import CpuTimeExecute, ProfiledExecute
from autograder.twoprocess import SplitExecute


def test_the_blocking_entry_points_run_the_subclass_coroutines(monkeypatch):
    """nbconvert calls ``execute_cell``; CpuTimeExecute's override (which starts the cell's CPU
    clock) must run, not only SplitExecute's coroutine that nbclient's run_sync had bound."""
    seen = []

    async def split_cell(self, cell, cell_index, execution_count=None, store_history=True):
        seen.append(cell_index)
        return cell

    monkeypatch.setattr(SplitExecute, "async_execute_cell", split_cell)
    ex = CpuTimeExecute()
    assert ex.execute_cell({"cell_type": "code"}, 7) == {"cell_type": "code"}
    assert seen == [7]
    assert getattr(ex, "_cell_start", None) is not None  # set by CpuTimeExecute's coroutine


def test_the_profiled_executor_records_its_phases(monkeypatch, tmp_path):
    async def split_cell(self, cell, cell_index, execution_count=None, store_history=True):
        time.sleep(0.05)
        return cell

    monkeypatch.setattr(SplitExecute, "async_execute_cell", split_cell)
    monkeypatch.setattr(SplitExecute, "_role", lambda self, cell: "student")
    log = tmp_path / "profile.jsonl"
    monkeypatch.setenv(profiling.PROFILE_ENV, str(log))
    from nbformat.v4 import new_code_cell

    ProfiledExecute().execute_cell(new_code_cell("x = 1"), 0)
    (entry,) = [json.loads(line) for line in log.read_text().splitlines()]
    assert entry["phase"] == "execute: cells: student (all of it)"
    assert entry["wall"] >= 0.05
    assert entry["cpu"] >= 0


def test_a_phase_counts_cpu_and_waiting_apart(monkeypatch, tmp_path):
    log = tmp_path / "p.jsonl"
    monkeypatch.setenv(profiling.PROFILE_ENV, str(log))
    with profiling.phase("wait"):
        time.sleep(0.3)
    with profiling.phase("work"):
        end = time.process_time() + 0.3
        while time.process_time() < end:
            pass
    wait, work = [json.loads(line) for line in log.read_text().splitlines()]
    assert wait["phase"] == "wait" and wait["wall"] >= 0.3 and wait["cpu"] < 0.15
    assert work["phase"] == "work" and work["cpu"] >= 0.29


def test_no_profile_file_without_the_variable(monkeypatch, tmp_path):
    monkeypatch.delenv(profiling.PROFILE_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    with profiling.phase("x"):
        pass
    assert list(tmp_path.iterdir()) == []


@pytest.fixture
def forked():
    yield
    nbfork.stop()


def _env(**extra) -> dict:
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env.update(extra)
    return env


def test_nbgrader_from_the_fork_server_sees_its_folder_and_environment(forked, tmp_path):
    """The forked process runs nbgrader's own entry point in ``cwd`` with exactly ``env``: the
    course's nbgrader_config.py (read from the folder) records what it saw."""
    course = tmp_path / "course"
    course.mkdir()
    seen = tmp_path / "seen.json"
    (course / "nbgrader_config.py").write_text(
        "import json, os\n"
        f"json.dump({{'cwd': os.getcwd(), 'x': os.environ.get('AG_TEST_X'),"
        f" 'home': os.environ.get('AG_TEST_ABSENT')}}, open({str(seen)!r}, 'w'))\n"
    )
    log = tmp_path / "out.log"
    env = {k: v for k, v in _env(AG_TEST_X="42").items() if k != "AG_TEST_ABSENT"}
    os.environ["AG_TEST_ABSENT"] = "leaked"  # set here, not in env: the child must not see it
    try:
        rc = nbfork.run(["db", "student", "list"], course, env, log, timeout=120)
    finally:
        del os.environ["AG_TEST_ABSENT"]
    assert rc == 0, log.read_text()
    assert json.loads(seen.read_text()) == {"cwd": str(course), "x": "42", "home": None}


def test_a_failing_nbgrader_command_gives_its_exit_status_and_output(forked, tmp_path):
    log = tmp_path / "out.log"
    rc = nbfork.run(["autograde", "no-such-assignment"], tmp_path, _env(), log, timeout=120)
    assert rc not in (0, None)
    assert log.read_text().strip()


def test_a_process_past_its_time_is_killed(forked, tmp_path):
    (tmp_path / "nbgrader_config.py").write_text(
        f"import os, time\nopen({str(tmp_path / 'pid')!r}, 'w').write(str(os.getpid()))\n"
        "time.sleep(600)\n"
    )
    t0 = time.monotonic()
    rc = nbfork.run(["list"], tmp_path, _env(), tmp_path / "out.log", timeout=5)
    assert rc is None
    assert time.monotonic() - t0 < 60
    pid = int((tmp_path / "pid").read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


@pytest.mark.parametrize("fork", [True, False], ids=["fork-server", "python-m-nbgrader"])
def test_run_nbgrader_past_its_time_gives_none_and_says_so(forked, tmp_path, fork):
    """The class grader's one way to run nbgrader, both branches: a process that outlives its
    wall-clock limit is killed, its status is None (the student's time-out) and the log says so."""
    (tmp_path / "nbgrader_config.py").write_text("import time\ntime.sleep(600)\n")
    log_path = tmp_path / "out.log"
    t0 = time.monotonic()
    rc, log = batch._run_nbgrader(["list"], tmp_path, _env(), log_path, 5, fork)
    assert rc is None
    assert time.monotonic() - t0 < 60
    assert "timed out after 5" in log, log
    assert log_path.read_text() == log


def test_trusted_kernel_requests_wait_the_wall_clock_backstop(monkeypatch):
    """nbclient waits ``Execute.timeout`` wall-clock seconds for a reply outside a cell; the
    trusted kernel's requests (connect, setup copies, release) get ``wall_factor`` times that, and
    the cells' own limit is restored afterwards."""
    import asyncio

    seen = []

    async def trusted_run(self, code):
        seen.append(self.timeout)
        return {"content": {"status": "ok"}}

    monkeypatch.setattr(SplitExecute, "_async_trusted_run", trusted_run)
    ex = CpuTimeExecute(timeout=6, wall_factor=10.0)
    assert asyncio.run(ex._async_trusted_run("x = 1")) == {"content": {"status": "ok"}}
    assert seen == [60] and ex.timeout == 6


def test_a_failed_trusted_setup_copy_is_a_reason_and_a_second_try(tmp_path):
    import nbformat
    from nbformat.v4 import new_notebook

    nb = new_notebook()
    nb.metadata["autograder"] = {
        "trusted_setup_errors": [{"cell_index": 1, "ename": "no reply", "evalue": ""}]
    }
    nbformat.write(nb, tmp_path / "a.ipynb")
    (note,) = batch.trusted_setup_notes(tmp_path)
    assert note.startswith("grader error: the trusted copy of setup cell 2 of a.ipynb failed")
    assert batch.may_owe_to_neighbours(batch.Result("s", reasons=[note]))
    nbformat.write(new_notebook(), tmp_path / "a.ipynb")
    assert batch.trusted_setup_notes(tmp_path) == []
