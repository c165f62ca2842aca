"""GuardedExecute under real ``nbgrader autograde`` (one batch, plain python3 kernel, no sandbox).

A tiny course (one answer, one visible+hidden test cell) is generated with nbgrader; an honest
student and the cheats that the guard, not the test cell, must catch are autograded together:

* ``retry``: the answer calls the reference, catches the guard's error and calls it again;
* ``transformer``: a wrong answer plus an IPython input transformer that deletes ``assert`` lines;
* ``fake-report``: the ``retry`` cheat that also replaces the guard's report function with one
  that always answers "no violations";

and ``loop``, an answer that never returns, checks that a timed-out cell does not make the grader
lose the guard.

(A cheat that rebinds a check helper is no longer one the guard must catch: the class grader runs
the test cells in a trusted kernel, where the student's names are not the tests' names;
``tests/adversarial/test_two_process.py`` grades it there.) Every cheat must score 0 on the test
cell and have its violation recorded in the autograded notebook's metadata; the honest student keeps full marks with no violation. The sandbox, the scan
and the class command are tested in tests/adversarial/.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from autograder.guard import source_hash

pytestmark = pytest.mark.grading

REPO = Path(__file__).resolve().parents[1]
A = "guarded"

SETUP = "import numpy as np\nfrom convgrade import check_array"
ANSWER = ("def double(x):\n"
          "    ### BEGIN SOLUTION\n"
          "    return np.asarray(x, dtype=float) * 2.0\n"
          "    ### END SOLUTION")
TEST = ("check_array(double(np.arange(3.0)), [0.0, 2.0, 4.0], 'double(arange(3))')\n"
        "### BEGIN HIDDEN TESTS\n"
        "import convkit\n"
        "_x = np.random.default_rng(0).standard_normal((4, 4))\n"
        "check_array(double(_x), convkit.conv2d(_x[None, None], np.full((1, 1, 1, 1), 2.0))[0, 0], 'double(x)')\n"
        "### END HIDDEN TESTS")

CHEATS = {
    "honest": "def double(x):\n    return np.asarray(x, dtype=float) * 2.0",
    "retry": ("import convkit\n"
              "def double(x):\n"
              "    x = np.asarray(x, dtype=float)\n"
              "    for _ in range(2):\n"
              "        try:\n"
              "            return convkit.conv2d(x[None, None], np.full((1, 1, 1, 1), 2.0))[0, 0]\n"
              "        except BaseException:\n"
              "            pass"),
    "transformer": ("def double(x):\n    return np.zeros(3)\n"
                    "get_ipython().input_transformers_post.append(\n"
                    "    lambda lines: [l for l in lines if 'check_array(' not in l])"),
    "fake-report": ("import convkit, autograder.guard as _g\n"
                    "_g.report = lambda nonce: {'nonce': nonce, 'violations': [], 'mac': '0' * 64}\n"
                    "def double(x):\n"
                    "    x = np.asarray(x, dtype=float)\n"
                    "    for _ in range(2):\n"
                    "        try:\n"
                    "            return convkit.conv2d(x[None, None], np.full((1, 1, 1, 1), 2.0))[0, 0]\n"
                    "        except BaseException:\n"
                    "            pass"),
    "loop": "def double(x):\n    while True:\n        pass",
}


def _meta(**kw):
    return {"nbgrader": {"schema_version": 3, **kw}}


def _source_notebook():
    return new_notebook(cells=[
        new_markdown_cell("Double an array."),
        new_code_cell(SETUP, metadata=_meta(grade=False, solution=False, locked=True, grade_id="setup")),
        new_code_cell(ANSWER, metadata=_meta(grade=False, solution=True, locked=False, grade_id="double")),
        new_code_cell(TEST, metadata=_meta(grade=True, solution=False, locked=True, points=2, grade_id="test_double")),
    ], metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})


def _run(course, *args, env):
    return subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, env=env, capture_output=True, text=True)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = tmp_path_factory.mktemp("guarded-course")
    (course / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        "c.CourseDirectory.course_id = 'guard-test'\n"
        "c.Execute.timeout = 8\n"
        "from autograder.execute import autograde_preprocessors\n"
        "c.Autograde.autograde_preprocessors = autograde_preprocessors()\n"
    )
    source = course / "source" / A
    source.mkdir(parents=True)
    nbformat.write(_source_notebook(), source / f"{A}.ipynb")
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    proc = _run(course, "generate_assignment", A, "--force", env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    release = nbformat.read(course / "release" / A / f"{A}.ipynb", as_version=4)
    for student, answer in CHEATS.items():
        nb = nbformat.from_dict(json.loads(nbformat.writes(release)))
        for cell in nb.cells:
            if cell.metadata.get("nbgrader", {}).get("grade_id") == "double":
                cell.source = answer
        folder = course / "submitted" / student / A
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / f"{A}.ipynb")
    trusted = [source_hash(c.source) for c in _source_notebook().cells if c.cell_type == "code"
               and c.metadata["nbgrader"].get("locked")]
    token = secrets.token_hex(16)
    env["AUTOGRADER_GUARD"] = json.dumps({"trusted": trusted, "token": token,
                                          "forbidden": ["convkit"], "allow": []})
    proc = _run(course, "autograde", A, "--force", env=env)
    return course, proc


def _score(course, student):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        nb = gb.find_submission_notebook(A, A, student)
        return {g.name: float(g.score) for g in nb.grades}


def _guard_meta(course, student):
    nb = nbformat.read(course / "autograded" / student / A / f"{A}.ipynb", as_version=4)
    return nb.metadata["autograder"]


def test_the_honest_student_keeps_full_marks_and_no_violation(graded):
    course, proc = graded
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert _score(course, "honest") == {"test_double": 2.0}
    assert _guard_meta(course, "honest") == {"guard": "on", "violations": []}


@pytest.mark.parametrize("student, kind", [("retry", "forbidden-call"), ("transformer", "ipython-tampering")])
def test_a_cheat_the_guard_catches_scores_zero_with_the_reason(graded, student, kind):
    course, proc = graded
    assert _score(course, student) == {"test_double": 0.0}, proc.stderr[-4000:]
    meta = _guard_meta(course, student)
    assert meta["guard"] == "on"
    assert kind in [v["kind"] for v in meta["violations"]], meta
    nb = nbformat.read(course / "autograded" / student / A / f"{A}.ipynb", as_version=4)
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("ename") == "GuardViolation"]
    assert errors, "the student sees the reason in the graded notebook"


def test_a_stand_in_report_is_caught(graded):
    course, proc = graded
    assert _score(course, "fake-report") == {"test_double": 0.0}
    meta = _guard_meta(course, "fake-report")
    kinds = [v["kind"] for v in meta["violations"]]
    assert meta["guard"] == "lost" and "guard-lost" in kinds, meta
    assert "forbidden-call" in kinds and "rebinding" in kinds, "the real report comes back one cell later"


def test_a_timed_out_cell_scores_zero_without_losing_the_guard(graded):
    course, proc = graded
    assert _score(course, "loop") == {"test_double": 0.0}
    assert _guard_meta(course, "loop") == {"guard": "on", "violations": []}


def test_without_the_guard_variable_it_is_plain_nbgrader(graded, tmp_path):
    """The same preprocessor with AUTOGRADER_GUARD unset: no guard, metadata says so."""
    course, _ = graded
    env = dict(os.environ)
    env.pop("AUTOGRADER_GUARD", None)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    proc = _run(course, "autograde", A, "--force", "--student", "retry", env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert _guard_meta(course, "retry") == {"guard": "off", "violations": []}
    assert _score(course, "retry") == {"test_double": 2.0}, "plain nbgrader is fooled by the retry: why the guard exists"
