"""The graders are code too: run real ``nbgrader autograde`` on every assignment.

For each assignment in ``solutions/`` a fresh course is generated in a temporary
folder and three kinds of submission are autograded in one batch:

* the instructor's solution, which must get full marks;
* the released notebook, unchanged, which must get zero (and not crash the run);
* every known-wrong implementation in ``tests/wrong/<assignment>/``, which must
  lose points on the test cells of the answer it replaces;
* every correct alternative in ``tests/right/<assignment>/`` (an answer written
  differently: loops, float32, another container), which must get full marks on
  the test cells of the answer it replaces.

The same run checks that the committed release in ``exercises/`` is exactly what
nbgrader generates from the source today.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.grading import harness as h

ASSIGNMENTS = h.assignments()
WRONG = [(a, p) for a in ASSIGNMENTS for p in h.wrong_files(a)]
RIGHT = [(a, p) for a in ASSIGNMENTS for p in h.right_files(a)]

pytestmark = pytest.mark.grading

_courses: dict = {}


def _shared_root(tmp_path_factory) -> Path:
    """A folder shared by all xdist workers of this run (each worker's basetemp is a child of it)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def _student_for(path) -> str:
    answer_id, bug = h.parse_wrong_name(path)
    return f"wrong-{answer_id}-{bug}".replace("_", "-")


def _right_student_for(path) -> str:
    answer_id, variant = h.parse_wrong_name(path)
    return f"right-{answer_id}-{variant}".replace("_", "-")


def _autograde(course: Path, assignment: str) -> SimpleNamespace:
    shutil.rmtree(course, ignore_errors=True)  # left over from an attempt that raised
    h.make_course(course, assignment)
    release = course / "exercises"
    for notebook in h.notebooks(assignment):
        solved = h.solution_submission(assignment, notebook, release)
        h.submit(course, "solution", assignment, notebook, solved)
        h.submit(course, "release", assignment, notebook, (release / assignment / f"{notebook}.ipynb").read_text())
        for path in h.wrong_files(assignment):
            answer_id, _ = h.parse_wrong_name(path)
            if answer_id in h.answer_ids(solved):
                h.submit(course, _student_for(path), assignment, notebook, h.replace_answer(solved, answer_id, path.read_text()))
        for path in h.right_files(assignment):
            answer_id, _ = h.parse_wrong_name(path)
            if answer_id in h.answer_ids(solved):
                right = h.replace_answer(solved, answer_id, path.read_text())
                h.submit(course, _right_student_for(path), assignment, notebook, right)
    proc = h.run_nbgrader(course, "autograde", assignment, "--force", check=False)
    return SimpleNamespace(returncode=proc.returncode, stdout=proc.stdout, stderr=proc.stderr)


@pytest.fixture
def graded(request, tmp_path_factory):
    """Autograde every submission of one assignment once per test run, whichever worker asks first."""
    assignment = request.param
    if assignment not in _courses:
        root = _shared_root(tmp_path_factory)
        course, done = root / f"graded-{assignment}", root / f"graded-{assignment}.json"
        with open(root / f"graded-{assignment}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # another worker may be grading it right now
            if not done.exists():
                done.write_text(json.dumps(vars(_autograde(course, assignment))))
        _courses[assignment] = (course, SimpleNamespace(**json.loads(done.read_text())))
    return _courses[assignment]


def _param(assignment):
    return pytest.param(assignment, id=assignment, marks=pytest.mark.xdist_group(assignment))


@pytest.mark.parametrize("graded", [_param(a) for a in ASSIGNMENTS], indirect=True)
def test_committed_release_matches_a_fresh_generation(graded):
    course, _ = graded
    assignment = next(p.name for p in (course / "solutions").iterdir())
    diffs = h.release_differences(course / "exercises" / assignment, h.EXERCISES / assignment)
    assert not diffs, f"exercises/{assignment} is stale, run `make release A={assignment}`: {diffs}"


@pytest.mark.parametrize("graded", [_param(a) for a in ASSIGNMENTS], indirect=True)
def test_release_has_no_solutions_or_hidden_tests(graded):
    course, _ = graded
    for path in (course / "exercises").rglob("*.ipynb"):
        text = path.read_text()
        for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
            assert marker not in text, f"{path.name} contains '{marker}'"


@pytest.mark.parametrize("graded", [_param(a) for a in ASSIGNMENTS], indirect=True)
def test_solution_gets_full_marks(graded):
    course, proc = graded
    assignment = next(p.name for p in (course / "solutions").iterdir())
    for notebook in h.notebooks(assignment):
        cells = h.scores(course, assignment, "solution", notebook)
        assert cells, f"no graded cells in {notebook}"
        lost = {k: (v.score, v.max_score) for k, v in cells.items() if v.score != v.max_score}
        assert not lost, f"solution of {notebook} loses points on {lost}\n{proc.stderr[-6000:]}"


@pytest.mark.parametrize("graded", [_param(a) for a in ASSIGNMENTS], indirect=True)
def test_unchanged_release_gets_zero(graded):
    course, proc = graded
    assignment = next(p.name for p in (course / "solutions").iterdir())
    for notebook in h.notebooks(assignment):
        assert (course / "autograded" / "release" / assignment / f"{notebook}.ipynb").exists(), proc.stderr[-4000:]
        cells = h.scores(course, assignment, "release", notebook)
        earned = {k: v.score for k, v in cells.items() if v.score}
        assert not earned, f"the unchanged release of {notebook} earns points on {earned}"


@pytest.mark.parametrize("graded", [_param(a) for a in ASSIGNMENTS], indirect=True)
def test_every_answer_has_three_known_wrong_versions(graded):
    course, _ = graded
    assignment = next(p.name for p in (course / "solutions").iterdir())
    counts = {}
    for path in h.wrong_files(assignment):
        answer_id, _ = h.parse_wrong_name(path)
        counts[answer_id] = counts.get(answer_id, 0) + 1
    for notebook in h.notebooks(assignment):
        solved = h.solution_submission(assignment, notebook, course / "exercises")
        for answer_id in h.answer_ids(solved):
            assert h.test_cells_of(solved, answer_id), f"answer {answer_id!r} has no test cell named test_{answer_id}"
            assert counts.get(answer_id, 0) >= 3, f"answer {answer_id!r} has {counts.get(answer_id, 0)} known-wrong versions in tests/wrong/{assignment}/ (need 3)"
    unknown = set(counts) - {a for nb in h.notebooks(assignment) for a in h.answer_ids(h.solution_submission(assignment, nb, course / "exercises"))}
    assert not unknown, f"tests/wrong/{assignment}/ names answers that do not exist: {sorted(unknown)}"


@pytest.mark.parametrize(
    "graded, wrong",
    [pytest.param(a, p, id=f"{a}/{p.stem}", marks=pytest.mark.xdist_group(a)) for a, p in WRONG],
    indirect=["graded"],
)
def test_known_wrong_implementation_loses_points(graded, wrong):
    course, proc = graded
    assignment = wrong.parent.name
    answer_id, bug = h.parse_wrong_name(wrong)
    student = _student_for(wrong)
    checked = False
    for notebook in h.notebooks(assignment):
        solved = h.solution_submission(assignment, notebook, course / "exercises")
        if answer_id not in h.answer_ids(solved):
            continue
        checked = True
        cells = h.scores(course, assignment, student, notebook)
        mine = [cells[g] for g in h.test_cells_of(solved, answer_id)]
        score, max_score = sum(c.score for c in mine), sum(c.max_score for c in mine)
        assert max_score > 0
        assert score < max_score, f"{wrong.name} ({bug}) still gets {score}/{max_score} on the tests of {answer_id}"
    assert checked, f"{wrong.name}: no notebook of {assignment} has an answer cell {answer_id!r}"


@pytest.mark.parametrize(
    "graded, right",
    [
        pytest.param(a, p, id=f"{a}/right/{p.stem}", marks=pytest.mark.xdist_group(a))
        for a, p in RIGHT
    ],
    indirect=["graded"],
)
def test_correct_alternative_gets_full_marks(graded, right):
    course, proc = graded
    assignment = right.parent.name
    answer_id, variant = h.parse_wrong_name(right)
    student = _right_student_for(right)
    checked = False
    for notebook in h.notebooks(assignment):
        solved = h.solution_submission(assignment, notebook, course / "exercises")
        if answer_id not in h.answer_ids(solved):
            continue
        checked = True
        cells = h.scores(course, assignment, student, notebook)
        lost = {g: (cells[g].score, cells[g].max_score) for g in h.test_cells_of(solved, answer_id)
                if cells[g].score != cells[g].max_score}
        assert not lost, (
            f"{right.name} ({variant}) is correct but loses points on {lost}\n{proc.stderr[-4000:]}"
        )
    assert checked, f"{right.name}: no notebook of {assignment} has an answer cell {answer_id!r}"


@pytest.mark.parametrize("graded", [_param(a) for a in ASSIGNMENTS[:1]], indirect=True)
def test_feedback_and_csv_export_as_in_the_readme(graded):
    import csv

    course, _ = graded
    assignment = next(p.name for p in (course / "solutions").iterdir())
    h.run_nbgrader(course, "generate_feedback", assignment, "--force", "--student", "solution")
    feedback = list((course / "feedback" / "solution" / assignment).glob("*.html"))
    assert feedback, "no feedback HTML for the solution"
    h.run_nbgrader(course, "export", "--to", str(course / "grades.csv"))
    rows = {r["student_id"]: r for r in csv.DictReader((course / "grades.csv").open())}
    assert float(rows["solution"]["score"]) == float(rows["solution"]["max_score"]) > 0
    assert float(rows["release"]["score"]) == 0
