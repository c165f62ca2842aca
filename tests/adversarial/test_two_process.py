"""Cheats that work *inside* one kernel, against two-process grading.

An outsider's adversarial class found cheats that never break the sandbox: with the student's
code and the hidden tests in one Python process, an answer can rebind the check helpers while a
test runs, install an exception handler that clears a test cell's error, replace the code of a
numpy comparison, displace the guard's profiler hook, read the expected value from the test's
frames, or plant a stand-in for the reference package that the test's own ``import convkit``
returns. Under :mod:`autograder.twoprocess` the test cells run in a separate trusted kernel, so
each of these reaches only the student's own process. Every cheat below pairs a wrong ``corr2d``
with one such trick; each must get at most 10% of ``corr2d``'s points or be flagged, while the
honest students written in other ways keep full marks, unflagged.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from tests.adversarial import fixture as fx
from tests.grading import harness as h

pytestmark = [pytest.mark.grading, pytest.mark.xdist_group("two-process")]

WRONG = "    return np.zeros((np.shape(x)[0] - np.shape(k)[0] + 1, np.shape(x)[1] - np.shape(k)[1] + 1))"

CHEATS = {
    # rebinds check_array in the globals of whoever called corr2d (the test cell, in one kernel)
    "rebind-helpers": (
        "import sys\n"
        "def corr2d(x, k):\n"
        "    f = sys._getframe(1)\n"
        "    while f is not None:\n"
        "        for name in ('check_array', 'check_number', 'check_shape'):\n"
        "            if name in f.f_globals:\n"
        "                f.f_globals[name] = lambda *a, **kw: None\n"
        "        f = f.f_back\n" + WRONG
    ),
    # a custom exception handler that swallows the failing check's AssertionError
    "custom-exc": (
        "get_ipython().set_custom_exc((BaseException,), lambda *a, **kw: None)\n"
        "def corr2d(x, k):\n" + WRONG
    ),
    # numpy's isclose (used by every comparison) replaced by one that always agrees
    "numpy-code": (
        "import numpy.core.numeric as _num\n"
        "def _always(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):\n"
        "    import numpy\n"
        "    return numpy.ones(numpy.broadcast(numpy.asarray(a), numpy.asarray(b)).shape, bool)\n"
        "_num.isclose.__code__ = _always.__code__\n"
        "np.isclose = _always\n"
        "def corr2d(x, k):\n" + WRONG
    ),
    # the guard's profiler hook pushed aside from inside the answer
    "profile-displace": (
        "import sys, threading\n"
        "def corr2d(x, k):\n"
        "    sys.setprofile(None)\n"
        "    threading.setprofile(None)\n" + WRONG
    ),
    # the reference, found through the test's frames, answers in the student's place
    "read-expected": (
        "import sys\n"
        "def corr2d(x, k):\n"
        "    f = sys._getframe(1)\n"
        "    while f is not None:\n"
        "        ck = f.f_globals.get('convkit') or f.f_locals.get('convkit')\n"
        "        if ck is not None:\n"
        "            return ck.corr2d(x, k)\n"
        "        f = f.f_back\n" + WRONG
    ),
    # a stand-in reference in sys.modules: the test's own `import convkit` would return it
    "preseed-module": (
        "import sys, types\n"
        "_fake = types.ModuleType('convkit')\n"
        "_fake.corr2d = lambda x, k: corr2d(x, k)\n"
        "sys.modules['convkit'] = _fake\n"
        "def corr2d(x, k):\n" + WRONG
    ),
    # the data source the hidden tests draw from, rebound so that every input is zero (where the
    # wrong all-zero answer is right)
    "rebind-data": (
        "class _Zeros:\n"
        "    def __init__(self, *a, **kw):\n"
        "        pass\n"
        "    def standard_normal(self, size=None):\n"
        "        return np.zeros(size)\n"
        "np.random.default_rng = _Zeros\n"
        "def corr2d(x, k):\n" + WRONG
    ),
    # the names the visible test uses, preseeded with values that match the wrong answer
    "preseed-globals": (
        "check_array = lambda *a, **kw: None\nnp.testing = None\ndef corr2d(x, k):\n" + WRONG
    ),
}

def _reference_copy(paths) -> str:
    """An answer that loads convkit's reference corr2d from the first copy of the course it can
    read (the grading machine's own checkout, or a second clone elsewhere) under another name."""
    return (
        "import importlib.util, os\n"
        f"for _p in {[str(p) for p in paths]!r}:\n"
        "    if os.path.exists(_p):\n"
        "        _spec = importlib.util.spec_from_file_location('not_convkit_conv', _p)\n"
        "        _mod = importlib.util.module_from_spec(_spec)\n"
        "        _spec.loader.exec_module(_mod)\n"
        "        corr2d = _mod.corr2d\n"
        "        break\n"
        "else:\n"
        "    def corr2d(x, k):\n" + "    " + WRONG
    )


HONEST = {
    "alice": {},
    "float32": {
        "corr2d": (
            "def corr2d(x, k):\n"
            "    x, k = np.asarray(x, np.float32), np.asarray(k, np.float32)\n"
            "    oh, ow = x.shape[0] - k.shape[0] + 1, x.shape[1] - k.shape[1] + 1\n"
            "    return np.array([[np.sum(x[i:i + k.shape[0], j:j + k.shape[1]] * k)\n"
            "                      for j in range(ow)] for i in range(oh)], dtype=np.float32)"
        )
    },
    "debug-prints": {
        "corr2d": (
            "import sys\n"
            "def _window_sum(x, k, i, j):\n"
            "    return float((x[i:i + k.shape[0], j:j + k.shape[1]] * k).sum())\n"
            "def corr2d(x, k):\n"
            "    x, k = np.asarray(x, float), np.asarray(k, float)\n"
            "    print('corr2d called with', x.shape, k.shape, file=sys.stderr)\n"
            "    print('debug: kernel', k.shape)\n"
            "    out = np.empty((x.shape[0] - k.shape[0] + 1, x.shape[1] - k.shape[1] + 1))\n"
            "    for i in range(out.shape[0]):\n"
            "        for j in range(out.shape[1]):\n"
            "            out[i, j] = _window_sum(x, k, i, j)\n"
            "    return out"
        )
    },
}
FULL = 5.0


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = fx.make_course(tmp_path_factory.mktemp("two") / "course")
    for student, answers in HONEST.items():
        fx.submit(course, student, fx.fill(fx.released(course), **answers))
    for student, code in CHEATS.items():
        fx.submit(course, student, fx.fill(fx.released(course), corr2d=code))
    # a second clone of the course, world-readable, outside the course folder
    clone = tmp_path_factory.mktemp("clone") / "course-copy"
    shutil.copytree(fx.REPO / "convkit", clone / "convkit")
    clone.parent.chmod(0o755)
    conv = Path("convkit") / "functional" / "conv.py"
    fx.submit(course, "reference-copy", fx.fill(fx.released(course), corr2d=_reference_copy([fx.REPO / conv, clone / conv])))
    proc = h.run_class_grader(course, fx.ASSIGNMENT)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    rows = {
        r["student_id"]: r for r in csv.DictReader(open(course / f"grades-{fx.ASSIGNMENT}.csv"))
    }
    return course, rows


def _corr2d_points(course: Path, student: str) -> float:
    scores = h.scores(course, fx.ASSIGNMENT, student, fx.ASSIGNMENT)
    return sum(scores[t].score for t in fx.CORR2D_TESTS)


@pytest.mark.parametrize("student", sorted(HONEST))
def test_honest_answers_written_differently_keep_full_marks_unflagged(graded, student):
    _, rows = graded
    row = rows[student]
    assert (row["status"], row["flagged"]) == ("graded", "no"), row
    assert float(row["score"]) == FULL, row


@pytest.mark.parametrize("student", sorted(CHEATS) + ["reference-copy"])
def test_in_kernel_cheats_get_at_most_a_tenth_or_are_flagged(graded, student):
    course, rows = graded
    row = rows[student]
    points = _corr2d_points(course, student)
    assert points <= 0.1 * 3 or row["flagged"] == "yes", (points, row)
    # the student's relu is honest: the cheat costs nothing else
    assert float(row["score"]) - points == 2.0, row
