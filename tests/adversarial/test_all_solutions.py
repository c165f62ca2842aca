"""The class grader on every real assignment: the defences must not cost an honest student a point.

``tests/test_graders.py`` checks each assignment's tests under plain ``nbgrader autograde``. An
instructor grades a class with ``python -m autograder grade`` instead, which adds the pre-execution
scan, the kernel guard (forbidden calls, inputs changed in place, replaced reference modules...) and
the sandbox with its resource limits. Here every assignment is graded that way, sandboxed, with two
students: the instructor's solution (full marks, not flagged) and the unchanged release (zero,
graded rather than crashed, not flagged). Full marks are read from the source notebooks' points.
"""

from __future__ import annotations

import csv

import pytest

from tests.grading import harness as h

pytestmark = pytest.mark.grading


def _max_points(assignment: str) -> float:
    import nbformat

    total = 0.0
    for notebook in h.notebooks(assignment):
        nb = nbformat.read(h.SOLUTIONS / assignment / f"{notebook}.ipynb", as_version=4)
        total += sum(float(h.nbgrader_meta(c)["points"]) for c in nb.cells if h.nbgrader_meta(c).get("grade"))
    return total


@pytest.mark.parametrize("assignment", [pytest.param(a, marks=pytest.mark.xdist_group(f"class-{a}"))
                                        for a in h.assignments()])
def test_class_grader_gives_the_solution_full_marks_and_the_release_zero(assignment, tmp_path):
    course = h.make_course(tmp_path / "course", assignment)
    release = course / "exercises"
    for notebook in h.notebooks(assignment):
        h.submit(course, "solution", assignment, notebook, h.solution_submission(assignment, notebook, release))
        h.submit(course, "release", assignment, notebook, (release / assignment / f"{notebook}.ipynb").read_text())
    proc = h.run_class_grader(course, assignment, timeout=1500)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    rows = {r["student_id"]: r for r in csv.DictReader(open(course / f"grades-{assignment}.csv"))}
    full = _max_points(assignment)
    assert full > 0
    sol, rel = rows["solution"], rows["release"]
    assert (sol["status"], sol["flagged"], sol["reasons"]) == ("graded", "no", ""), sol
    assert float(sol["score"]) == float(sol["max_score"]) == full, sol
    assert (rel["status"], rel["flagged"]) == ("graded", "no"), rel
    assert float(rel["score"]) == 0 and float(rel["max_score"]) == full, rel
