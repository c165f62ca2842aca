"""A temporary course holding the repository's real ``02-convolution-layers`` assignment.

Built with :mod:`tests.grading.harness` (this repo's ``nbgrader_config.py``, the real source notebook,
``nbgrader generate_assignment``), plus a shorter per-cell timeout so the infinite-loop case is quick.
Points and the test cells of each answer are read from the source notebook, never typed.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat

from tests.grading import harness as h

ASSIGNMENT = "02-convolution-layers"
NOTEBOOK = "02-convolution-layers"
SOURCE = h.SOLUTIONS / ASSIGNMENT / f"{NOTEBOOK}.ipynb"


def make_course(root: Path, *, cell_timeout: int = 10) -> Path:
    """The course folder; ``cell_timeout`` replaces ``c.Execute.timeout`` (120 s in the repo)."""
    h.make_course(root, ASSIGNMENT)
    with open(root / "nbgrader_config.py", "a") as fh:
        fh.write(f"\n# tests/adversarial/real.py: a short per-cell limit for the infinite-loop case\n"
                 f"c.Execute.timeout = {int(cell_timeout)}\n")
    return root


def source() -> nbformat.NotebookNode:
    return nbformat.read(SOURCE, as_version=4)


def points() -> dict[str, float]:
    """grade_id -> points of every graded cell of the source notebook."""
    return {h.nbgrader_meta(c)["grade_id"]: float(h.nbgrader_meta(c)["points"])
            for c in source().cells if h.nbgrader_meta(c).get("grade")}


def full_marks() -> float:
    return sum(points().values())


def answers() -> list[str]:
    return h.answer_ids(source())


def tests_of(answer_id: str) -> list[str]:
    ids = h.test_cells_of(source(), answer_id)
    assert ids, f"no test cells for answer {answer_id!r}"
    return ids


def solved(course: Path) -> nbformat.NotebookNode:
    """The course's release with every answer cell filled with the instructor's solution."""
    return h.solution_submission(ASSIGNMENT, NOTEBOOK, course / "exercises")


def released(course: Path) -> nbformat.NotebookNode:
    return nbformat.read(course / "exercises" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", as_version=4)


def with_answers(course: Path, **answers_: str) -> nbformat.NotebookNode:
    """The solved notebook with some answer cells (by grade_id) replaced."""
    nb = solved(course)
    for answer_id, src in answers_.items():
        nb = h.replace_answer(nb, answer_id, src)
    return nb


def solution_of(answer_id: str) -> str:
    """The instructor's answer cell, without the solution markers."""
    (cell,) = [c for c in source().cells
               if h.nbgrader_meta(c).get("grade_id") == answer_id and h.nbgrader_meta(c).get("solution")]
    return h.strip_solution_markers(cell.source)


def submit(course: Path, student: str, nb) -> Path:
    """Place ``nb`` (a notebook, or raw file text) as the student's only submission."""
    shutil.rmtree(course / "submitted" / student, ignore_errors=True)
    return h.submit(course, student, ASSIGNMENT, NOTEBOOK, nb)


def cell_scores(course: Path, student: str) -> dict[str, float]:
    return {k: v.score for k, v in h.scores(course, ASSIGNMENT, student, NOTEBOOK).items()}


def outputs(course: Path, student: str, grade_id: str) -> str:
    """Text of the outputs (streams and errors) of one cell of the student's autograded notebook."""
    nb = nbformat.read(course / "autograded" / student / ASSIGNMENT / f"{NOTEBOOK}.ipynb", as_version=4)
    (cell,) = [c for c in nb.cells if h.nbgrader_meta(c).get("grade_id") == grade_id]
    return "\n".join(o.get("text", "") if o.get("output_type") == "stream" else f"{o.get('ename')}: {o.get('evalue')}"
                     for o in cell.get("outputs", []))
