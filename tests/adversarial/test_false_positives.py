"""Honest answers the class grader used to penalise (issue 17, item 4), graded end to end with
``python -m autograder grade`` (sandboxed, real nbgrader) on the adversarial fixture class.

* Output on stderr while a test cell runs (a debug print, a numpy ``RuntimeWarning``) no longer
  zeroes the cell: full marks, not flagged, and the CSV notes the cells ("stderr output in ...").
  A wrong answer that also prints to stderr still loses its points (its checks fail).
* joblib, imported while a test runs, no longer warns "Permission denied" from inside the sandbox
  (a writable /dev/shm), so it adds no stderr at all.
* ``getattr`` with a computed attribute name and a float32 answer are not penalised.
"""

from __future__ import annotations

import csv

import pytest

from tests.adversarial import fixture as fx
from tests.grading import harness as h

pytestmark = [pytest.mark.grading, pytest.mark.xdist_group("false-positives")]

ANSWERS = {
    "debug-print": {"relu": "import sys\n\n\ndef relu(x):\n"
                            "    print('relu got', np.shape(x), file=sys.stderr)\n"
                            "    return np.maximum(np.asarray(x, dtype=float), 0.0)"},
    # sqrt of the negative entries warns (invalid value) although np.where discards them
    "numpy-warning": {"relu": "def relu(x):\n    x = np.asarray(x, dtype=float)\n"
                              "    return np.where(x > 0, np.sqrt(x) ** 2, 0.0)"},
    "joblib": {"relu": "def relu(x):\n    import joblib  # first imported while test_relu runs\n"
                       "    return np.maximum(np.asarray(x, dtype=float), 0.0)"},
    "computed-getattr": {"corr2d": (
        "def corr2d(x, k):\n"
        "    x, k = np.asarray(x, dtype=float), np.asarray(k, dtype=float)\n"
        "    (kh, kw), (h, w) = k.shape, x.shape\n"
        "    total = getattr(np, 's' + 'um')\n"
        "    return np.array([[total(x[i:i + kh, j:j + kw] * k) for j in range(w - kw + 1)]\n"
        "                     for i in range(h - kh + 1)])")},
    "float32": {"corr2d": (
        "def corr2d(x, k):\n"
        "    x, k = np.asarray(x, dtype=np.float32), np.asarray(k, dtype=np.float32)\n"
        "    win = np.lib.stride_tricks.sliding_window_view(x, k.shape)\n"
        "    return np.einsum('ijab,ab->ij', win, k)")},
    "wrong-and-stderr": {"corr2d": "import sys\n\n\ndef corr2d(x, k):\n"
                                   "    print('not done yet', file=sys.stderr)\n"
                                   "    return np.zeros((1, 1))"},
}
FULL = sum(fx.POINTS.values())


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = fx.make_course(tmp_path_factory.mktemp("fp") / "course", cell_timeout=30)
    fx.submit(course, "honest", fx.fill(fx.released(course)))
    for student, answers in ANSWERS.items():
        fx.submit(course, student, fx.fill(fx.released(course), **answers))
    proc = h.run_class_grader(course, fx.ASSIGNMENT)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    with open(course / f"grades-{fx.ASSIGNMENT}.csv") as fh:
        rows = {r["student_id"]: r for r in csv.DictReader(fh)}
    return course, rows


def _cells(course, student):
    scores = h.scores(course, fx.ASSIGNMENT, student, fx.ASSIGNMENT)
    return {k: v.score for k, v in scores.items()}


def _graded_notebook(course, student):
    return (course / "autograded" / student / fx.ASSIGNMENT / f"{fx.ASSIGNMENT}.ipynb").read_text()


@pytest.mark.parametrize("student", ["honest", "joblib", "computed-getattr", "float32"])
def test_full_marks_unflagged_and_no_note(graded, student):
    course, rows = graded
    row = rows[student]
    assert (row["status"], row["flagged"], row["reasons"]) == ("graded", "no", ""), row
    assert float(row["score"]) == FULL, (row, _cells(course, student))


@pytest.mark.parametrize("student,message", [("debug-print", "relu got (3,)"),
                                             ("numpy-warning", "RuntimeWarning")])
def test_stderr_in_a_test_cell_is_noted_not_scored(graded, student, message):
    course, rows = graded
    row = rows[student]
    assert (row["status"], row["flagged"]) == ("graded", "no"), row
    assert float(row["score"]) == FULL, (row, _cells(course, student))
    assert row["reasons"].startswith("stderr output in test_relu "), row
    text = _graded_notebook(course, student)
    assert "[stderr] " in text and message in text  # still shown, as stdout
    assert '"name": "stderr"' not in text


def test_a_wrong_answer_that_prints_to_stderr_still_loses_its_points(graded):
    course, rows = graded
    cells = _cells(course, "wrong-and-stderr")
    assert cells == dict(fx.POINTS, test_corr2d=0.0, test_corr2d__shapes=0.0)
    note = "stderr output in test_corr2d, test_corr2d__shapes "
    assert note in rows["wrong-and-stderr"]["reasons"], rows["wrong-and-stderr"]
