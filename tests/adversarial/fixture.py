"""A small self-contained nbgrader course for the adversarial suite.

Assignment ``adv`` has two answers written in numpy: ``corr2d`` (valid 2-D cross-correlation,
3 points over two test cells with hidden tests that compare with convkit) and ``relu``
(2 points). Honest students and one cheat per case of the issue are placed in
``submitted/``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

REPO = Path(__file__).resolve().parents[2]
ASSIGNMENT = "adv"


def _meta(**kw):
    return {"nbgrader": {"schema_version": 3, **kw}}


CORR2D = '''def corr2d(x, k):
    """Valid 2-D cross-correlation."""
    ### BEGIN SOLUTION
    x = np.asarray(x, dtype=float)
    k = np.asarray(k, dtype=float)
    kh, kw = k.shape
    oh, ow = x.shape[0] - kh + 1, x.shape[1] - kw + 1
    y = np.zeros((oh, ow))
    for a in range(kh):
        for b in range(kw):
            y += k[a, b] * x[a:a + oh, b:b + ow]
    return y
    ### END SOLUTION'''

RELU = '''def relu(x):
    """max(x, 0), elementwise."""
    ### BEGIN SOLUTION
    return np.maximum(np.asarray(x, dtype=float), 0.0)
    ### END SOLUTION'''

TEST_CORR2D = '''_x = np.arange(9.0).reshape(3, 3)
_k = np.array([[0.0, 1.0], [2.0, 3.0]])
check_array(corr2d(_x, _k), [[19.0, 25.0], [37.0, 43.0]], "corr2d(x, k)")
### BEGIN HIDDEN TESTS
import convkit
_rng = np.random.default_rng(7)
for _ in range(5):
    _x, _k = _rng.standard_normal((6, 5)), _rng.standard_normal((3, 2))
    check_array(corr2d(_x, _k), convkit.corr2d(_x, _k), "corr2d(random x, k)")  # HIDDEN-LINE-MARKER
### END HIDDEN TESTS'''

TEST_CORR2D_SHAPES = '''check_array(corr2d(np.ones((4, 4)), np.ones((1, 1))), np.ones((4, 4)), "corr2d with a 1x1 kernel")
### BEGIN HIDDEN TESTS
import convkit
_x, _k = np.random.default_rng(3).standard_normal((5, 7)), np.ones((5, 7))
check_array(corr2d(_x, _k), convkit.corr2d(_x, _k), "corr2d, kernel as large as the input")
### END HIDDEN TESTS'''

TEST_RELU = '''check_array(relu(np.array([-1.0, 0.0, 2.0])), [0.0, 0.0, 2.0], "relu")
### BEGIN HIDDEN TESTS
_v = np.random.default_rng(5).standard_normal(20)
check_array(relu(_v), np.where(_v > 0, _v, 0.0), "relu(random)")
### END HIDDEN TESTS'''

POINTS = {"test_corr2d": 2.0, "test_corr2d__shapes": 1.0, "test_relu": 2.0}
CORR2D_TESTS = ("test_corr2d", "test_corr2d__shapes")


def source_notebook():
    return new_notebook(cells=[
        new_markdown_cell("Adversarial fixture: implement `corr2d` and `relu` in numpy."),
        new_code_cell("import numpy as np\nfrom convgrade import check_array",
                      metadata=_meta(grade=False, solution=False, locked=True, grade_id="setup")),
        new_code_cell(CORR2D, metadata=_meta(grade=False, solution=True, locked=False, grade_id="corr2d")),
        new_code_cell(TEST_CORR2D, metadata=_meta(grade=True, solution=False, locked=True, points=2,
                                                  grade_id="test_corr2d")),
        new_code_cell(TEST_CORR2D_SHAPES, metadata=_meta(grade=True, solution=False, locked=True, points=1,
                                                         grade_id="test_corr2d__shapes")),
        new_code_cell(RELU, metadata=_meta(grade=False, solution=True, locked=False, grade_id="relu")),
        new_code_cell(TEST_RELU, metadata=_meta(grade=True, solution=False, locked=True, points=2,
                                                grade_id="test_relu")),
    ], metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
                 "language_info": {"name": "python"}})


def make_course(root: Path, *, cell_timeout: int = 6) -> Path:
    """Course folder with this repo's nbgrader_config.py (plus a short cell timeout)."""
    from tests.grading.harness import run_nbgrader

    root.mkdir(parents=True, exist_ok=True)
    cfg = (REPO / "nbgrader_config.py").read_text() + f"\nc.Execute.timeout = {cell_timeout}\n"
    (root / "nbgrader_config.py").write_text(cfg)
    src = root / "solutions" / ASSIGNMENT
    src.mkdir(parents=True, exist_ok=True)
    nbformat.write(source_notebook(), src / f"{ASSIGNMENT}.ipynb")
    run_nbgrader(root, "generate_assignment", ASSIGNMENT, "--force")
    return root


def _strip(src):
    return "\n".join(l for l in src.splitlines() if "### BEGIN SOLUTION" not in l and "### END SOLUTION" not in l)


def released(root: Path):
    return nbformat.read(root / "exercises" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)


def fill(nb, **answers):
    """The release with answer cells replaced (``corr2d=``, ``relu=``); unspecified ones get the solution."""
    sol = {"corr2d": _strip(CORR2D), "relu": _strip(RELU)}
    sol.update(answers)
    for c in nb.cells:
        gid = c.metadata.get("nbgrader", {}).get("grade_id")
        if c.metadata.get("nbgrader", {}).get("solution") and gid in sol:
            c.source = sol[gid]
    return nb


def submit(root: Path, student: str, nb_or_text) -> Path:
    folder = root / "submitted" / student / ASSIGNMENT
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    path = folder / f"{ASSIGNMENT}.ipynb"
    if isinstance(nb_or_text, str):
        path.write_text(nb_or_text)
    else:
        nbformat.write(nb_or_text, path)
    return path
