"""The class grader on a Dask cluster: ``--scheduler ADDRESS`` (issue 16, item 3).

A real ``dask scheduler`` and two ``dask worker`` processes, started with Dask's own command-line
tools on 127.0.0.1, grade a small class of the adversarial fixture (an honest student, a wrong
answer, a kernel that dies, a cell that never ends, a call of the reference through an alias, a
file that is not a notebook); the CSV, the gradebook's scores and
the summary must equal those of a ``--jobs 1`` run. A task that raises and a task whose worker
dies each give their student a ``crashed`` row while the others are graded.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from autograder import batch, dask_grading
from tests.adversarial import fixture as fx
from tests.grading.harness import run_class_grader


def _compare():
    """The parallel suite's readers of a run (imported here: a worker that unpickles this
    module's task must not run that module's sandbox check)."""
    from tests.test_autograder_parallel import csv_rows, scores, summary_of

    return csv_rows, scores, summary_of


pytestmark = [pytest.mark.grading, pytest.mark.xdist_group("dask")]

CLASS = {
    "alice": {},
    "carol": {"relu": "def relu(x):\n    return np.abs(x)"},  # wrong
    "dave": {"corr2d": "import os\nos._exit(3)"},  # the kernel dies
    "erin": {"relu": "while True:\n    pass"},  # the cell never ends: timeout, later cells graded
    # the reference called through an alias: flagged by the scan and by the worker's guard
    "mallory": {
        "corr2d": "from convkit import corr2d as _c\ndef corr2d(x, k):\n    return _c(x, k)"
    },
}


def make_class(root: Path) -> Path:
    course = fx.make_course(root / "course", cell_timeout=6)
    for student, answers in CLASS.items():
        fx.submit(course, student, fx.fill(fx.released(course), **answers))
    fx.submit(course, "frank", "{ not a notebook")
    return course


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stop(procs: list[subprocess.Popen]) -> None:
    """End the processes this module started (each leads its own session), workers first."""
    for proc in reversed(procs):
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 30
    for proc in reversed(procs):
        try:
            proc.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # the group this module started
            proc.wait(10)


@pytest.fixture(scope="module")
def scheduler(tmp_path_factory):
    """``dask scheduler`` and two ``dask worker`` (one thread each) on loopback: the scheduler's
    address and the scheduler file it wrote."""
    from distributed import Client

    logs = tmp_path_factory.mktemp("dask-logs")
    address = f"tcp://127.0.0.1:{_free_port()}"
    env = dict(
        os.environ,
        PYTHONPATH=str(fx.REPO),
        PATH=str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"],
        # the first death of a worker ends its task (KilledWorker) instead of a retry elsewhere
        DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES="0",
    )
    dask = str(Path(sys.executable).parent / "dask")
    commands = [
        [dask, "scheduler", "--host", "127.0.0.1", "--port", address.rsplit(":", 1)[1],
         "--no-dashboard", "--scheduler-file", str(logs / "scheduler.json")],
        *[[dask, "worker", address, "--nthreads", "1", "--host", "127.0.0.1", "--no-dashboard",
           "--memory-limit", "0", "--name", f"w{i}"] for i in range(2)],
    ]  # fmt: skip
    procs: list[subprocess.Popen] = []
    try:
        for i, cmd in enumerate(commands):
            log = open(logs / f"{i}.log", "w")  # noqa: SIM115 - closed with the process
            procs.append(
                subprocess.Popen(
                    cmd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
                )
            )
            log.close()
        with Client(address, timeout=120) as client:
            client.wait_for_workers(2, timeout=180)
        yield address, logs / "scheduler.json"
    finally:
        _stop(procs)
        for path in sorted(logs.glob("*.log")):
            print(f"--- {path.name}\n{path.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def sequential(tmp_path_factory):
    course = make_class(tmp_path_factory.mktemp("seq"))
    proc = run_class_grader(course, fx.ASSIGNMENT, "--jobs", "1", timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    csv_rows, scores, _ = _compare()
    return proc, csv_rows(course / f"grades-{fx.ASSIGNMENT}.csv"), scores(course)


@pytest.fixture(scope="module")
def on_dask(scheduler, tmp_path_factory):
    course = make_class(tmp_path_factory.mktemp("dask"))
    proc = run_class_grader(course, fx.ASSIGNMENT, "--scheduler", scheduler[0], timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return course, proc


def test_the_cluster_grades_the_class_as_one_process_does(sequential, on_dask, scheduler):
    csv_rows, scores, summary_of = _compare()
    seq_proc, seq_rows, seq_scores = sequential
    course, proc = on_dask
    assert f"on the Dask cluster at {scheduler[0]}" in proc.stdout, proc.stdout
    status = {r["student_id"]: r["status"] for r in seq_rows}
    assert status == {
        "alice": "graded", "carol": "graded", "dave": "crashed", "erin": "timeout",
        "frank": "invalid", "mallory": "graded",
    }  # fmt: skip
    mallory = next(r for r in seq_rows if r["student_id"] == "mallory")
    assert mallory["flagged"] == "yes" and "forbidden call" in mallory["reasons"], mallory
    assert csv_rows(course / f"grades-{fx.ASSIGNMENT}.csv") == seq_rows, proc.stdout
    assert scores(course) == seq_scores
    assert summary_of(proc.stdout) == summary_of(seq_proc.stdout)
    # what the workers produced is on the coordinator: graded notebooks, feedback, logs
    for who in ("alice", "carol"):
        assert (course / "autograded" / who / fx.ASSIGNMENT / f"{fx.ASSIGNMENT}.ipynb").exists()
        page = course / "feedback" / who / fx.ASSIGNMENT / f"{fx.ASSIGNMENT}.html"
        assert "HIDDEN-LINE-MARKER" not in page.read_text()
    log = (course / ".autograder" / "logs" / fx.ASSIGNMENT / "dave.log").read_text()
    assert log.startswith("[graded on Dask worker tcp://127.0.0.1:") and "kernel" in log, log


def test_a_second_run_keeps_the_graded_and_regrades_a_failed_task(on_dask, scheduler, sequential):
    """Resume on the cluster: a student whose task failed on the cluster (carol's recorded result
    made so here) is graded again, the others are kept."""
    csv_rows, _, _ = _compare()
    course, _ = on_dask
    state = course / ".autograder" / "state" / f"{fx.ASSIGNMENT}.json"
    data = json.loads(state.read_text())
    data["students"]["carol"]["result"].update(
        status="crashed", score=None, reasons=[dask_grading.FAILED + "grading failed: OSError"]
    )
    state.write_text(json.dumps(data))
    # the scheduler named by its scheduler file, as on a cluster whose address is not known
    again = run_class_grader(course, fx.ASSIGNMENT, "--scheduler", str(scheduler[1]), timeout=900)
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-3000:]
    assert "resuming: 5 student(s)" in again.stdout and "grading 1" in again.stdout, again.stdout
    assert "(alice, dave, erin, frank, mallory)" in again.stdout, again.stdout
    assert f"on the Dask cluster at {scheduler[0]}" in again.stdout, again.stdout
    assert csv_rows(course / f"grades-{fx.ASSIGNMENT}.csv") == sequential[1]


def test_merging_a_workers_grades_keeps_manual_scores(on_dask, tmp_path):
    from nbgrader.api import Gradebook

    course, _ = on_dask
    record = dask_grading.gradebook_record(course / "gradebook.db", fx.ASSIGNMENT, "carol")
    assert record is not None and record["notebooks"][fx.ASSIGNMENT]["grades"]
    assert dask_grading.gradebook_record(course / "gradebook.db", fx.ASSIGNMENT, "frank") is None
    other = tmp_path / "course"
    other.mkdir()
    shutil.copy(course / "gradebook.db", other / "gradebook.db")
    url = f"sqlite:///{other / 'gradebook.db'}"
    with Gradebook(url) as gb:
        grade = gb.find_grade("test_relu", fx.ASSIGNMENT, fx.ASSIGNMENT, "carol")
        grade.manual_score = 1.5  # an instructor's review
        gb.db.commit()
    lock = tmp_path / "lock"
    dask_grading.merge_record(other, fx.ASSIGNMENT, "carol", record, lock)
    dask_grading.merge_record(other, fx.ASSIGNMENT, "newcomer", record, lock)  # a new student
    with Gradebook(url) as gb, Gradebook(f"sqlite:///{course / 'gradebook.db'}") as orig:
        want = orig.find_submission_notebook(fx.ASSIGNMENT, fx.ASSIGNMENT, "carol")
        for who in ("carol", "newcomer"):
            got = gb.find_submission_notebook(fx.ASSIGNMENT, fx.ASSIGNMENT, who)
            autos = {g.name: (g.auto_score, g.max_score) for g in got.grades}
            assert autos == {g.name: (g.auto_score, g.max_score) for g in want.grades}, who
        carol = gb.find_grade("test_relu", fx.ASSIGNMENT, fx.ASSIGNMENT, "carol")
        assert carol.manual_score == 1.5 and carol.score == 1.5 and carol.needs_manual_grade
        new = gb.find_grade("test_relu", fx.ASSIGNMENT, fx.ASSIGNMENT, "newcomer")
        assert new.manual_score is None and not new.needs_manual_grade


# -- failures: tasks run on the real workers (this module is importable there) ---------------


def flaky_task(kit, run, student, files):
    if student == "ann":
        raise RuntimeError("the disk is full")
    if student == "ben":
        time.sleep(3)  # the others finish first, on whichever worker
        os._exit(1)  # the worker process dies
    return dask_grading.Outcome(
        result=batch.Result(student), worker="w", log=None, autograded={}, record=None
    )


def test_a_failing_task_or_a_dying_worker_costs_only_that_student(on_dask, scheduler):
    from distributed import Client

    from convgrade.policy import load_policy

    course, _ = on_dask
    dirs = batch.course_dirs(course)
    run = batch.RunSettings(
        assignment=fx.ASSIGNMENT, per_student_timeout=60, cpu_seconds=60, memory_bytes=1 << 30,
        file_bytes=1 << 20, max_procs=None, kernel_user=None, sandboxed=True,
        handout=False, policy=load_policy(dirs["source"] / fx.ASSIGNMENT), trusted=(),
        split=None,
    )  # fmt: skip
    seen = []
    with Client(scheduler[0], timeout=60) as client:
        results = dask_grading.run_all(
            client, course, dirs, run, ["ann", "ben", "cat"], course / "logs", course / "lock",
            lambda s, r: seen.append(s), task=flaky_task,
        )  # fmt: skip
        client.wait_for_workers(2, timeout=180)  # the nanny restarts the worker that died
    assert sorted(seen) == ["ann", "ben", "cat"]
    assert results["cat"].status == "graded" and results["cat"].reasons == []
    assert results["ann"].status == "crashed"
    assert results["ann"].reasons == [
        "on the Dask cluster: grading failed: RuntimeError: the disk is full"
    ]
    assert results["ben"].status == "crashed"
    assert (
        results["ben"]
        .reasons[0]
        .startswith("on the Dask cluster: the worker grading this student died")
    ), results["ben"].reasons


def test_an_unreachable_scheduler_is_a_grading_error():
    from autograder.errors import GradingError

    with socket.socket() as s:  # a port nobody listens on: bound, never listening
        s.bind(("127.0.0.1", 0))
        address = f"tcp://127.0.0.1:{s.getsockname()[1]}"
        with pytest.raises(GradingError, match="cannot reach the Dask scheduler at"):
            dask_grading.connect(address, timeout=3)
