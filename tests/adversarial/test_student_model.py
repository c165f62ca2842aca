"""Chapter 07 under two-process grading, with a model class the student wrote.

``build_motion_model`` may return an instance of the student's own ``nn.Module`` subclass, with its
own ``forward``. Such an object cannot cross to the trusted kernel by value (its code is the
student's), so it stays in the student's kernel and the hidden tests hold a remote reference to
it: ``convgrade.run_with_model`` then runs the course's training helper *in the student's kernel*,
on that object, and the accuracy is measured from the trusted side through remote calls. The
answer (``tests/right/07-3d-convolution/motion_model__own_module_class.py``, also graded by plain
nbgrader in ``tests/test_graders.py``) prints one line from its ``forward`` at its first training
step: that line can only reach a test cell's output from the student's kernel, through the
request loop (``autograder.serve``), since the class does not exist on the trusted side.

Nothing here depends on the wording of the test cells: only on their grade ids
(``test_motion_model*``) and points.
"""

from __future__ import annotations

import csv

import nbformat
import pytest

from tests.grading import harness as h

pytestmark = [pytest.mark.grading, pytest.mark.xdist_group("class-07-own-model")]

ASSIGNMENT = "07-3d-convolution"
ANSWER = h.REPO / "tests" / "right" / ASSIGNMENT / "motion_model__own_module_class.py"
MARKER = "MotionNet.forward: first training step"


def _outputs_text(cell) -> str:
    parts = []
    for out in cell.get("outputs", []):
        parts.append(out.get("text", "") if out.get("output_type") == "stream" else "")
        parts.append(str(out.get("data", {}).get("text/plain", "")))
    return "".join(parts)


def test_a_students_own_model_class_trains_in_its_kernel_and_gets_full_marks(tmp_path):
    course = h.make_course(tmp_path / "course", ASSIGNMENT)
    release = course / "exercises"
    (notebook,) = h.notebooks(ASSIGNMENT)
    solved = h.solution_submission(ASSIGNMENT, notebook, release)
    answer = h.replace_answer(solved, "motion_model", ANSWER.read_text())
    h.submit(course, "own-class", ASSIGNMENT, notebook, answer)
    proc = h.run_class_grader(course, ASSIGNMENT, timeout=1500)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    (row,) = csv.DictReader(open(course / f"grades-{ASSIGNMENT}.csv"))
    assert (row["status"], row["flagged"], row["reasons"]) == ("graded", "no", ""), row
    assert float(row["score"]) == float(row["max_score"]) > 0, row
    cells = h.scores(course, ASSIGNMENT, "own-class", notebook)
    model_cells = {k: v for k, v in cells.items() if k.startswith("test_motion_model")}
    assert model_cells, sorted(cells)
    assert all(v.score == v.max_score > 0 for v in model_cells.values()), model_cells
    graded = nbformat.read(course / "autograded" / "own-class" / ASSIGNMENT / f"{notebook}.ipynb", as_version=4)
    tests = [c for c in graded.cells if h.nbgrader_meta(c).get("grade_id", "").startswith("test_motion_model")]
    assert any(MARKER in _outputs_text(c) for c in tests), [_outputs_text(c)[-500:] for c in tests]
