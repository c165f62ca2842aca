"""The class grader with ``--jobs``, resume, progress and a loaded machine (issue 16).

One small class of the adversarial fixture (two honest students, a wrong answer, a submission
whose kernel dies, one whose cell never ends, one that is not a notebook) is graded sequentially
once; every other run must give the same CSV, the same gradebook scores and the same summary.
"""

from __future__ import annotations

import contextlib
import csv
import io
import multiprocessing
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from autograder import batch, gblock, parallel, progress, resume
from tests.adversarial import fixture as fx
from tests.grading.harness import run_class_grader

pytestmark = pytest.mark.skipif(
    subprocess.run([sys.executable, "-m", "autograder", "check-sandbox"]).returncode != 0,
    reason="bubblewrap sandbox unavailable",
)

CLASS = {
    "alice": {},
    "bob": {"relu": "def relu(x):\n    return np.maximum(np.asarray(x), 0)"},
    "carol": {"relu": "def relu(x):\n    return np.abs(x)"},  # wrong
    "dave": {"corr2d": "import os\nos._exit(3)"},  # the kernel dies
    "erin": {"relu": "while True:\n    pass"},  # the cell never ends
}


def make_class(root: Path, cell_timeout: int = 6) -> Path:
    course = fx.make_course(root / "course", cell_timeout=cell_timeout)
    for student, answers in CLASS.items():
        fx.submit(course, student, fx.fill(fx.released(course), **answers))
    fx.submit(course, "frank", "{ not a notebook")
    return course


def csv_rows(path: Path) -> list[dict]:
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def scores(course: Path) -> dict:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        return {
            s.student.id: (float(s.score), float(s.max_score))
            for s in gb.find_assignment(fx.ASSIGNMENT).submissions
        }


def summary_of(stdout: str) -> str:
    return stdout[stdout.index("summary:") : stdout.index("CSV:")]


LINE = re.compile(r"^\[(\d+)/(\d+)\] (\S+): (\S+)", re.M)


def grade(course: Path, *extra: str, env: dict | None = None) -> subprocess.CompletedProcess:
    proc = run_class_grader(course, fx.ASSIGNMENT, *extra, env=env, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc


@pytest.fixture(scope="module")
def sequential(tmp_path_factory):
    course = make_class(tmp_path_factory.mktemp("seq"))
    proc = grade(course, "--jobs", "1")
    return course, proc, csv_rows(course / f"grades-{fx.ASSIGNMENT}.csv"), scores(course)


def test_the_sequential_run_grades_the_class_as_expected(sequential):
    _, proc, rows, _ = sequential
    status = {r["student_id"]: r["status"] for r in rows}
    assert status == {
        "alice": "graded",
        "bob": "graded",
        "carol": "graded",
        "dave": "crashed",
        "erin": "timeout",
        "frank": "invalid",
    }, proc.stdout
    full = {r["student_id"]: r["score"] == r["max_score"] for r in rows if r["score"]}
    assert full["alice"] and full["bob"] and not full["carol"], rows
    lines = LINE.findall(proc.stdout)
    assert [(n, total, who) for n, total, who, _ in lines] == [
        (str(i), "6", who) for i, who in enumerate(sorted([*CLASS, "frank"]), 1)
    ]


# --jobs 2 against the sequential run: the whole adversarial class, in
# tests/adversarial/test_adversarial.py::test_two_jobs_grade_the_class_as_the_sequential_run


def test_resume_grades_only_new_or_changed_submissions(sequential, tmp_path):
    _, _, seq_rows, _ = sequential
    course = make_class(tmp_path)
    for who in ("alice", "bob", "carol", "dave", "erin"):  # an interrupted run: only frank graded
        (course / "submitted" / who).rename(course / f"held-{who}")
    grade(course, "--jobs", "2")
    for who in ("alice", "bob", "carol", "dave", "erin"):
        (course / f"held-{who}").rename(course / "submitted" / who)
    # bob resubmits the wrong answer: his result must change
    fx.submit(course, "bob", fx.fill(fx.released(course), relu=CLASS["carol"]["relu"]))
    first = grade(course, "--jobs", "2")
    assert "resuming: 1 student(s)" in first.stdout and "(frank)" in first.stdout, first.stdout
    again = grade(course, "--jobs", "2")
    assert "resuming: 6 student(s)" in again.stdout and "grading 0" in again.stdout, again.stdout
    assert again.stdout.count("(kept from an earlier run)") == 6
    rows = {r["student_id"]: r for r in csv_rows(course / f"grades-{fx.ASSIGNMENT}.csv")}
    expected = {r["student_id"]: r for r in seq_rows}
    expected["bob"] = dict(expected["carol"], student_id="bob")
    assert rows == expected
    # bob changes back: only bob is graded again
    fx.submit(course, "bob", fx.fill(fx.released(course), **CLASS["bob"]))
    third = grade(course, "--jobs", "2")
    assert "resuming: 5 student(s)" in third.stdout and "grading 1" in third.stdout
    assert csv_rows(course / f"grades-{fx.ASSIGNMENT}.csv") == seq_rows
    forced = grade(course, "--jobs", "2", "--force")
    assert "resuming" not in forced.stdout and "kept from an earlier run" not in forced.stdout
    assert csv_rows(course / f"grades-{fx.ASSIGNMENT}.csv") == seq_rows


def _hog(stop):
    while not stop.is_set():
        pass


def test_a_loaded_machine_costs_time_not_points(sequential, tmp_path):
    """Busy loops (two per core) on the same cores while two students are graded at once, with
    the per-cell limit of the quiet run (6 s; the honest cells need well under a second of CPU,
    the endless loop must still time out and the dying kernel still crash)."""
    _, seq_proc, seq_rows, _ = sequential
    course = make_class(tmp_path, cell_timeout=6)
    stop = multiprocessing.Event()
    hogs = [multiprocessing.Process(target=_hog, args=(stop,)) for _ in range(2 * os.cpu_count())]
    for h in hogs:
        h.start()
    try:
        proc = grade(course, "--jobs", "2")
    finally:
        stop.set()
        for h in hogs:
            h.join(10)
    assert csv_rows(course / f"grades-{fx.ASSIGNMENT}.csv") == seq_rows, proc.stdout
    assert summary_of(proc.stdout) == summary_of(seq_proc.stdout)


HANGS = "import time\ntime.sleep(3600)"  # no CPU: only the per-student limit stops it
STUDENT_TIMEOUT = 45  # wall-clock s; an honest student of this class needs well under 10 s


def test_a_student_past_the_per_student_limit_is_reported_others_are_graded(sequential, tmp_path):
    """``hal``'s answer cell sleeps: the per-cell limit (60 s, counted in CPU time, with a
    wall-clock backstop of ten times that) never fires, so his nbgrader process runs into
    ``--student-timeout`` and is killed. He gets a ``crashed`` row that says so; the students
    graded before, beside (``--jobs 2``) and after him get the rows of the quiet sequential run."""
    _, _, seq_rows, _ = sequential
    course = fx.make_course(tmp_path / "course", cell_timeout=60)
    others = ("alice", "carol", "dave")  # honest, wrong, a kernel that dies
    for student in others:
        fx.submit(course, student, fx.fill(fx.released(course), **CLASS[student]))
    fx.submit(course, "hal", fx.fill(fx.released(course), relu=HANGS))
    expected = {r["student_id"]: r for r in seq_rows if r["student_id"] in others}
    for jobs in ("1", "2"):
        proc = grade(course, "--jobs", jobs, "--force", "--student-timeout", str(STUDENT_TIMEOUT))
        rows = {r["student_id"]: r for r in csv_rows(course / f"grades-{fx.ASSIGNMENT}.csv")}
        hal = rows.pop("hal")
        assert rows == expected, (jobs, proc.stdout)
        assert (hal["status"], hal["score"], hal["flagged"]) == ("crashed", "", "no"), hal
        assert hal["reasons"] == (
            f"grading did not finish within {STUDENT_TIMEOUT} s (--student-timeout, "
            "wall-clock): stopped, not graded"
        ), hal
        assert f"hal: {hal['reasons']}" in proc.stdout  # in the summary
        assert not (course / "autograded" / "hal").joinpath(fx.ASSIGNMENT).exists()
        assert not (course / "feedback" / "hal").exists()
    _no_kernel_left(course)


def _no_kernel_left(course: Path) -> None:
    """No process (a kernel, its sandbox, its launcher) still works in the course folder a few
    seconds after the run: the killed student's kernels went with his nbgrader process."""
    import time

    import psutil  # type: ignore[import-untyped]

    def left():
        out = []
        for p in psutil.process_iter(["pid", "cmdline"]):
            try:
                cwd = p.cwd()
            except psutil.Error:
                continue
            if cwd.startswith(str(course)):
                out.append((p.pid, cwd, p.info["cmdline"]))
        return out

    deadline = time.monotonic() + 20
    while left() and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not left(), left()


# -- the pieces ------------------------------------------------------------------------------


_HOLDER = """
import os, sys, time
from autograder import gblock
if sys.argv[2] == "lock":
    gblock.install(sys.argv[3])
from nbgrader.api import Gradebook
from sqlalchemy import text
while not os.path.exists(sys.argv[1] + ".ready"):  # the writer has imported nbgrader
    time.sleep(0.05)
with Gradebook("sqlite:///" + sys.argv[1]) as gb:
    gb.db.execute(text("INSERT INTO student (id) VALUES ('holder')"))  # a write, not committed
    open(sys.argv[1] + ".holding", "w").close()
    time.sleep(8)  # longer than sqlite's 5 s busy timeout
    gb.db.commit()
"""

_WRITER = """
import os, sys, time
from autograder import gblock
if sys.argv[2] == "lock":
    gblock.install(sys.argv[3])
from nbgrader.api import Gradebook
open(sys.argv[1] + ".ready", "w").close()
while not os.path.exists(sys.argv[1] + ".holding"):  # the holder has written, not committed
    time.sleep(0.05)
with Gradebook("sqlite:///" + sys.argv[1]) as gb:
    gb.update_or_create_student("writer")
    print(sorted(s.id for s in gb.students))
"""


def _race(tmp_path: Path, mode: str) -> subprocess.CompletedProcess:
    """A gradebook held by one nbgrader-like process while another writes to it."""
    from nbgrader.api import Gradebook

    db, lock = tmp_path / f"{mode}.db", tmp_path / f"{mode}.lock"
    with Gradebook(f"sqlite:///{db}"):
        pass
    env = dict(os.environ, PYTHONPATH=str(fx.REPO))
    holder = subprocess.Popen([sys.executable, "-c", _HOLDER, str(db), mode, str(lock)], env=env)
    try:
        writer = subprocess.run(
            [sys.executable, "-c", _WRITER, str(db), mode, str(lock)],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
    finally:
        assert holder.wait(300) == 0
    return writer


def test_the_gradebook_lock_turns_database_is_locked_into_waiting(tmp_path, monkeypatch):
    # nbgrader runs `alembic` from PATH when it creates a gradebook
    monkeypatch.setenv("PATH", str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"])
    bare = _race(tmp_path, "bare")  # what concurrent `nbgrader autograde` processes risk
    assert bare.returncode != 0 and "database is locked" in bare.stderr, bare.stderr[-2000:]
    locked = _race(tmp_path, "lock")
    assert locked.returncode == 0, locked.stderr[-2000:]
    assert locked.stdout.strip() == "['holder', 'writer']"


def test_the_gradebook_lock_is_exclusive_and_reentrant(tmp_path):
    lock = tmp_path / "l"
    with gblock.locked(lock), gblock.locked(lock):  # re-entrant in one thread
        probe = subprocess.run(
            [sys.executable, "-c", "import fcntl,os,sys\n"
             f"fd=os.open({str(lock)!r},os.O_RDWR)\n"
             "try:\n fcntl.flock(fd,fcntl.LOCK_EX|fcntl.LOCK_NB)\nexcept OSError:\n sys.exit(7)"],
        )  # fmt: skip
        assert probe.returncode == 7  # another process cannot take it
    probe = subprocess.run(
        [sys.executable, "-c", "import fcntl,os\n"
         f"fd=os.open({str(lock)!r},os.O_RDWR)\nfcntl.flock(fd,fcntl.LOCK_EX|fcntl.LOCK_NB)"],
    )  # fmt: skip
    assert probe.returncode == 0  # released after the outer block


def test_run_all_reports_each_item_once_and_keeps_results_by_item():
    seen = []
    out = parallel.run_all(range(7), lambda i: i * i, 3, lambda i, r: seen.append((i, r)))
    assert out == {i: i * i for i in range(7)} and sorted(seen) == [(i, i * i) for i in range(7)]
    with pytest.raises(ValueError, match="jobs"):
        parallel.run_all([1], str, 0, lambda *a: None)


def test_fingerprint_follows_the_submission_the_source_and_the_settings(tmp_path):
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "a.ipynb").write_text("1")
    base = resume.fingerprint(sub, "src", {"cpu": 1})
    assert resume.fingerprint(sub, "src", {"cpu": 1}) == base
    assert resume.fingerprint(sub, "src2", {"cpu": 1}) != base
    assert resume.fingerprint(sub, "src", {"cpu": 2}) != base
    (sub / "a.ipynb").write_text("2")
    assert resume.fingerprint(sub, "src", {"cpu": 1}) != base
    state = resume.State(tmp_path / "state.json")
    state.record("ann", "fp", {"student": "ann"})
    again = resume.State(tmp_path / "state.json")
    assert again.lookup("ann", "fp") == {"student": "ann"} and again.lookup("ann", "x") is None


class _Tty(io.StringIO):
    def isatty(self):
        return True


def test_progress_plain_lines_without_a_terminal_and_a_bar_on_one():
    plain = io.StringIO()
    p = progress.Progress(2, plain)
    p.student("b", "graded 1/1")
    p.student("a", "crashed -")
    p.close()
    assert plain.getvalue() == "[1/2] b: graded 1/1\n[2/2] a: crashed -\n"
    tty = _Tty()
    with contextlib.closing(progress.Progress(2, tty, desc="adv")) as p:
        p.student("b", "graded 1/1")
    text = tty.getvalue()
    assert "[1/2] b: graded 1/1" in text and "1/2" in text and "student/s" in text


def test_results_that_may_owe_to_concurrent_students_are_taken_again_alone():
    def result(status, *reasons):
        return batch.Result("s", status=status, reasons=list(reasons))

    again = batch.may_owe_to_neighbours
    assert again(result("graded", "process limit (64 processes and threads, --max-procs) hit"))
    assert again(result("crashed", "kernel died (exit 1); see adv/s.log"))
    killed = "the grading kernel was killed by SIGKILL (by its own code, the system, or the "
    assert again(result("crashed", killed + "CPU-time limit 5 s after an ignored SIGXCPU)"))
    assert not again(result("graded"))
    assert not again(result("timeout", "a cell exceeded the time limit"))
    assert not again(result("invalid", "a.ipynb is not a valid notebook"))
    assert not again(result("crashed", "CPU-time limit: the grading kernel used its 8 s", killed))
    assert not again(result("crashed", "grading did not finish within 45 s (--student-timeout"))
