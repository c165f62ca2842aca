"""Adversarial submissions, graded with real nbgrader through ``python -m autograder grade``.

One class (three honest students and one cheat per case of the issue) is graded in one run of
the class command, sandboxed. For every case the honest students keep their scores and the cheat
scores 0 on the test cells of the function it cheats on, or is reported with a reason.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import nbformat
import pytest

from autograder import sandbox
from tests.adversarial import fixture as fx
from tests.grading import harness as h

pytestmark = [pytest.mark.grading, pytest.mark.xdist_group("adversarial")]

WRONG_CORR2D = "def corr2d(x, k):\n    return np.zeros((1, 1))"
BOB_CORR2D = (
    "from numpy.lib.stride_tricks import sliding_window_view\n"
    "def corr2d(x, k):\n"
    "    x, k = np.asarray(x, float), np.asarray(k, float)\n"
    "    return np.einsum('ijab,ab->ij', sliding_window_view(x, k.shape), k)"
)


def cheats(course: Path) -> dict:
    """student id -> (submission, what the cheat is expected to get)."""
    rel = lambda: fx.released(course)
    sol_path = course / "solutions" / fx.ASSIGNMENT / f"{fx.ASSIGNMENT}.ipynb"
    gradebook = course / "gradebook.db"
    out = {}
    nb = fx.fill(rel(), corr2d=WRONG_CORR2D)
    for c in nb.cells:
        if c.metadata.get("nbgrader", {}).get("grade_id") == "test_corr2d":
            c.source = "pass  # tests? what tests"
    out["edited-test"] = nb
    nb = fx.fill(rel(), corr2d=WRONG_CORR2D)
    nb.cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") not in fx.CORR2D_TESTS]
    out["deleted-test"] = nb
    out["infinite-loop"] = fx.fill(rel(), corr2d="def corr2d(x, k):\n    while True:\n        pass")
    out["killed"] = fx.fill(rel(), relu="import os, signal\nos.kill(os.getpid(), signal.SIGKILL)")
    out["invalid-json"] = '{"cells": [ this is not json'
    out["flood"] = fx.fill(rel(), relu=fx._strip(fx.RELU) + "\nprint('x' * 20_000_000)")
    out["convkit-direct"] = fx.fill(rel(), corr2d="def corr2d(x, k):\n    import convkit\n    return convkit.corr2d(x, k)")
    out["convkit-alias"] = fx.fill(rel(), corr2d="from convkit import corr2d as _c\ndef corr2d(x, k):\n    return _c(x, k)")
    out["torch-alias"] = fx.fill(rel(), corr2d=(
        "import torch\n_f = torch.nn.functional.conv2d\n"
        "def corr2d(x, k):\n"
        "    t = lambda a: torch.as_tensor(np.asarray(a, float))[None, None]\n"
        "    return _f(t(x), t(k))[0, 0].numpy()"))
    out["scipy-alias"] = fx.fill(rel(), corr2d=(
        "from scipy.signal import correlate2d as _cc\ndef corr2d(x, k):\n    return _cc(x, k, mode='valid')"))
    out["always-equal"] = fx.fill(rel(), corr2d=(
        "class _Eq(np.ndarray):\n"
        "    def __eq__(self, other):\n        return np.ones(np.shape(other), bool)\n"
        "    def __ne__(self, other):\n        return np.zeros(np.shape(other), bool)\n"
        "def corr2d(x, k):\n"
        "    oh, ow = np.shape(x)[0] - np.shape(k)[0] + 1, np.shape(x)[1] - np.shape(k)[1] + 1\n"
        "    return np.zeros((oh, ow)).view(_Eq)"))
    out["input-transformer"] = fx.fill(rel(), corr2d=(
        "def _strip(lines):\n    return [l for l in lines if 'check_array' not in l and 'assert' not in l]\n"
        "get_ipython().input_transformers_post.append(_strip)\n" + WRONG_CORR2D))
    out["read-solutions"] = fx.fill(rel(), corr2d=(
        "import json\n"
        f"_nb = json.load(open({str(sol_path)!r}))\n"
        "_src = [''.join(c['source']) for c in _nb['cells'] if 'def corr2d' in ''.join(c['source'])][0]\n"
        "exec(_src)"))
    out["read-gradebook"] = fx.fill(rel(), corr2d=(
        "import sqlite3\n"
        f"_db = sqlite3.connect({str(gradebook)!r})\n"
        "_src = _db.execute(\"select source from source_cell where name = 'corr2d'\").fetchone()[0]\n"
        "exec(_src.replace('### BEGIN SOLUTION', '').replace('### END SOLUTION', ''))"))
    out["write-outside"] = fx.fill(rel(), relu=(
        fx._strip(fx.RELU) + "\n"
        f"for _p in ({str(course.parent / 'pwned-outside.txt')!r}, {str(course / 'pwned-course.txt')!r},"
        f" {str(sol_path)!r}):\n"
        "    try:\n        open(_p, 'w').write('pwned')\n    except OSError as e:\n        print('blocked', _p, e)"))
    return out


HONEST = {"alice": {}, "bob": {"corr2d": BOB_CORR2D}, "carol": {"relu": "def relu(x):\n    return np.abs(x)"}}
HONEST_SCORES = {"alice": 5.0, "bob": 5.0, "carol": 3.0}


def run_grade(course: Path, *extra, env=None):
    return h.run_class_grader(course, fx.ASSIGNMENT, *extra, env=env)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = fx.make_course(tmp_path_factory.mktemp("adv") / "course")
    for student, answers in HONEST.items():
        fx.submit(course, student, fx.fill(fx.released(course), **answers))
    solution_before = (course / "solutions" / fx.ASSIGNMENT / f"{fx.ASSIGNMENT}.ipynb").read_bytes()
    for student, nb in cheats(course).items():
        fx.submit(course, student, nb)
    proc = run_grade(course)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    rows = {r["student_id"]: r for r in csv.DictReader(open(course / f"grades-{fx.ASSIGNMENT}.csv"))}
    return course, proc, rows, solution_before


def cell_scores(course, student):
    return {k: v.score for k, v in h.scores(course, fx.ASSIGNMENT, student, fx.ASSIGNMENT).items()}


def corr2d_score(course, student):
    s = cell_scores(course, student)
    return sum(s[t] for t in fx.CORR2D_TESTS)


def test_sandbox_available_in_ci():
    """Fails (never skips) where bubblewrap is missing or cannot start: .ci/run installs it."""
    assert sandbox.check() is None, sandbox.check()


def test_honest_students_unchanged(graded):
    course, proc, rows, _ = graded
    for student, expected in HONEST_SCORES.items():
        assert rows[student]["status"] == "graded" and rows[student]["flagged"] == "no", rows[student]
        assert float(rows[student]["score"]) == expected, rows[student]
    assert cell_scores(course, "carol") == {"test_corr2d": 2.0, "test_corr2d__shapes": 1.0, "test_relu": 0.0}


def test_progress_and_summary(graded):
    course, proc, rows, _ = graded
    n = len(rows)
    for i, student in enumerate(sorted(rows), 1):
        assert f"[{i}/{n}] {student}: " in proc.stdout
    summary = [" ".join(l.split()) for l in proc.stdout[proc.stdout.index("summary:"):].splitlines()]
    assert "invalid 1 invalid-json" in summary, summary
    assert "crashed 1 killed" in summary, summary
    assert "timeout 1 infinite-loop" in summary, summary
    assert any(l.startswith("flagged ") and "read-gradebook" in l and "alice" not in l for l in summary)


@pytest.mark.parametrize("student", ["edited-test", "deleted-test", "convkit-direct", "convkit-alias", "torch-alias",
                                     "scipy-alias", "always-equal", "input-transformer", "read-solutions",
                                     "read-gradebook"])
def test_cheat_scores_zero_on_its_function(graded, student):
    course, proc, rows, _ = graded
    assert corr2d_score(course, student) == 0.0, cell_scores(course, student)
    assert cell_scores(course, student)["test_relu"] == 2.0  # the honest part is still graded


@pytest.mark.parametrize("student,reason", [
    ("edited-test", "edited a locked cell"), ("deleted-test", "deleted a locked cell"),
    ("convkit-direct", "called convkit.functional.conv.corr2d"), ("convkit-alias", "called convkit.functional.conv.corr2d"),
    ("torch-alias", "imports torch"), ("scipy-alias", "imports from scipy.signal"),
    ("always-equal", "defines __eq__"), ("input-transformer", "input transformer"),
    ("read-solutions", "outside the submission folder"), ("read-gradebook", "imports sqlite3"),
    ("write-outside", "opens a file"),
])
def test_cheat_flagged_with_reason(graded, student, reason):
    course, proc, rows, _ = graded
    assert rows[student]["flagged"] == "yes" and reason in rows[student]["reasons"], rows[student]


def test_forbidden_calls_caught_at_run_time(graded):
    """The kernel guard, not only the scan: the error names the forbidden function."""
    course, proc, rows, _ = graded
    assert "forbidden call" in rows["torch-alias"]["reasons"] and "conv2d" in rows["torch-alias"]["reasons"]
    assert "forbidden call" in rows["scipy-alias"]["reasons"]
    assert "forbidden call" in rows["convkit-alias"]["reasons"]


def test_infinite_loop_times_out_later_cells_graded(graded):
    course, proc, rows, _ = graded
    assert rows["infinite-loop"]["status"] == "timeout"
    s = cell_scores(course, "infinite-loop")
    assert s["test_corr2d"] == 0 and s["test_relu"] == 2.0


def test_killed_kernel_and_invalid_json_are_not_a_plain_zero(graded):
    course, proc, rows, _ = graded
    assert rows["killed"]["status"] == "crashed" and rows["killed"]["score"] == ""
    assert rows["invalid-json"]["status"] == "invalid" and rows["invalid-json"]["score"] == ""
    assert "not a valid notebook" in rows["invalid-json"]["reasons"]


def test_flood_is_clipped(graded):
    course, proc, rows, _ = graded
    assert rows["flood"]["status"] == "graded" and float(rows["flood"]["score"]) == 5.0
    graded_nb = course / "autograded" / "flood" / fx.ASSIGNMENT / f"{fx.ASSIGNMENT}.ipynb"
    assert graded_nb.stat().st_size < 1_000_000
    assert "output clipped by the grader" in graded_nb.read_text()


def test_sandbox_blocks_reads_and_writes(graded):
    course, proc, rows, solution_before = graded
    assert not (course.parent / "pwned-outside.txt").exists()
    assert not (course / "pwned-course.txt").exists()
    assert (course / "solutions" / fx.ASSIGNMENT / f"{fx.ASSIGNMENT}.ipynb").read_bytes() == solution_before
    out = (course / "autograded" / "read-solutions" / fx.ASSIGNMENT / f"{fx.ASSIGNMENT}.ipynb").read_text()
    assert "FileNotFoundError" in out or "No such file" in out


def test_feedback_has_scores_not_hidden_tests(graded):
    course, proc, rows, _ = graded
    page = (course / "feedback" / "carol" / fx.ASSIGNMENT / f"{fx.ASSIGNMENT}.html").read_text()
    assert "Score: 3 / 5" in page
    assert "test_relu: 0 / 2 points" in page
    assert "relu(random)" not in page or "relu differs" in page  # the message, never the hidden line
    for hidden in ("HIDDEN-LINE-MARKER", "default_rng(7)", "kernel as large as the input\")"):
        assert hidden not in page
    assert "hidden tests are not shown" in page


def _as_graded(course: Path, proc) -> tuple[str, str, dict]:
    """A run's CSV, summary and per-cell scores of every student, with the folder that holds the
    course written as ``<root>`` (the cheats' paths point into their own course)."""
    root = str(course.parent)
    text = (course / f"grades-{fx.ASSIGNMENT}.csv").read_text().replace(root, "<root>")
    summary = proc.stdout[proc.stdout.index("summary:") : proc.stdout.index("CSV:")]
    summary = summary.replace(root, "<root>")
    rows = csv.DictReader(text.splitlines())
    students = [r["student_id"] for r in rows if r["status"] != "invalid"]
    return text, summary, {s: cell_scores(course, s) for s in students}


def test_two_jobs_grade_the_class_as_the_sequential_run(graded, tmp_path_factory):
    """The whole adversarial class again, two students at a time (``--jobs 2``: each in its own
    nbgrader process, sandbox and kernels, beside a cheat, a crash, an endless loop or a flood):
    the CSV (grades, status, flags, reasons), the summary and every cell's score in the gradebook
    are those of the sequential run."""
    seq_course, seq_proc, _, _ = graded
    # "adv1" beside the fixture's "adv0": the same length, so truncated reasons cut alike
    course = fx.make_course(tmp_path_factory.mktemp("adv") / "course")
    assert len(str(course)) == len(str(seq_course))
    for student, answers in HONEST.items():
        fx.submit(course, student, fx.fill(fx.released(course), **answers))
    for student, nb in cheats(course).items():
        fx.submit(course, student, nb)
    proc = run_grade(course, "--jobs", "2")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    csv_two, summary_two, cells_two = _as_graded(course, proc)
    csv_one, summary_one, cells_one = _as_graded(seq_course, seq_proc)
    assert csv_two == csv_one
    assert summary_two == summary_one
    assert cells_two == cells_one
    # the crash may owe to its neighbour (batch.may_owe_to_neighbours): graded again, alone
    assert "grading 1 student(s) again, one at a time" in proc.stdout, proc.stdout
    assert re.search(r"again, one at a time, .*: killed$", proc.stdout, re.M), proc.stdout
    # one plain progress line per student (not a terminal)
    done = re.findall(r"^\[\d+/\d+\] (\S+): ", proc.stdout, re.M)
    assert sorted(done) == sorted(r["student_id"] for r in csv.DictReader(csv_one.splitlines()))


def test_refuses_loudly_without_sandbox_then_allowed_and_idempotent(tmp_path):
    course = fx.make_course(tmp_path / "course")
    fx.submit(course, "alice", fx.fill(fx.released(course)))
    fx.submit(course, "broken", "not a notebook")
    # 80 TB: MemoryError even without a limit; unsandboxed there are no limits, so no limit is named
    fx.submit(course, "huge", fx.fill(fx.released(course), relu=(
        "def relu(x):\n    np.zeros(10**13)\n    return np.maximum(x, 0.0)")))
    proc = run_grade(course, env={"AUTOGRADER_BWRAP": "/bin/false"})
    assert proc.returncode == 2 and "REFUSING TO GRADE" in proc.stdout, proc.stdout + proc.stderr
    assert not (course / f"grades-{fx.ASSIGNMENT}.csv").exists()
    csvs = []
    for _ in range(2):
        proc = run_grade(course, "--allow-unsandboxed", env={"AUTOGRADER_BWRAP": "/bin/false"})
        assert proc.returncode == 0 and "GRADING WITHOUT A SANDBOX" in proc.stdout, proc.stdout + proc.stderr
        csvs.append((course / f"grades-{fx.ASSIGNMENT}.csv").read_text())
    assert csvs[0] == csvs[1]
    assert "alice,graded,no,5,5," in csvs[0] and "broken,invalid," in csvs[0]
    assert "huge,graded,no,3,5,," in csvs[0], csvs[0]  # empty reasons and similar columns


def test_sandboxed_grading_twice_writes_the_same_csv(tmp_path):
    """Idempotence with the sandbox on: a crash, an invalid file and a flagged cheat report the same
    status, score and reasons on the second run (no times or temporary paths in the reasons)."""
    course = fx.make_course(tmp_path / "course")
    fx.submit(course, "alice", fx.fill(fx.released(course)))
    fx.submit(course, "killed", fx.fill(fx.released(course), relu="import os, signal\nos.kill(os.getpid(), signal.SIGKILL)"))
    fx.submit(course, "invalid-json", '{"cells": [ this is not json')
    fx.submit(course, "convkit-alias", fx.fill(fx.released(course), corr2d="from convkit import corr2d as _c\ndef corr2d(x, k):\n    return _c(x, k)"))
    csvs = []
    for _ in range(2):
        proc = run_grade(course)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
        csvs.append((course / f"grades-{fx.ASSIGNMENT}.csv").read_text())
    assert csvs[0] == csvs[1]
    rows = {r["student_id"]: r for r in csv.DictReader(csvs[0].splitlines())}
    assert (rows["alice"]["status"], rows["alice"]["score"]) == ("graded", "5")
    assert rows["killed"]["status"] == "crashed" and rows["killed"]["reasons"]
    # a time in a reason makes the CSV differ from run to run (it happens to agree in two quick runs)
    assert not re.search(r"after \d+(\.\d+)? ?s\b", rows["killed"]["reasons"]), rows["killed"]["reasons"]
    assert rows["invalid-json"]["status"] == "invalid"
    assert rows["convkit-alias"]["flagged"] == "yes"
