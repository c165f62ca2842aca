"""Build a temporary nbgrader course from this repository and autograde submissions in it.

A submission is the released notebook with some answer cells filled in:
``solution_submission`` fills every answer with the instructor's solution and
``replace_answer`` then swaps one answer for a known-wrong implementation
kept in ``tests/wrong/<assignment>/<answer_id>__<bug>.py`` (:func:`wrong_files`) or a correct one
written differently, kept in ``tests/right/<assignment>/<answer_id>__<variant>.py``
(:func:`right_files`).
"""

from __future__ import annotations

import copy
import dataclasses
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[2]
SOLUTIONS = REPO / "solutions"
EXERCISES = REPO / "exercises"
WRONG = REPO / "tests" / "wrong"
RIGHT = REPO / "tests" / "right"

_MARKERS = re.compile(r"^\s*### (BEGIN|END) SOLUTION\s*$")


def assignments() -> list[str]:
    """Every assignment that has a source folder, in course order."""
    if not SOLUTIONS.is_dir():
        return []
    return sorted(p.name for p in SOLUTIONS.iterdir() if p.is_dir() and list(p.glob("*.ipynb")))


def notebooks(assignment: str) -> list[str]:
    """Notebook names (without .ipynb) of an assignment."""
    return sorted(p.stem for p in (SOLUTIONS / assignment).glob("*.ipynb"))


def nbgrader_meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def answer_ids(nb) -> list[str]:
    """grade_ids of the autograded answer cells of a notebook."""
    return [
        nbgrader_meta(c)["grade_id"]
        for c in nb.cells
        if nbgrader_meta(c).get("solution") and not nbgrader_meta(c).get("grade") and c.cell_type == "code"
    ]


def test_cells_of(nb, answer_id: str) -> list[str]:
    """grade_ids of the test cells belonging to ``answer_id`` (``test_<id>`` or ``test_<id>__*``)."""
    ids = []
    for c in nb.cells:
        meta = nbgrader_meta(c)
        gid = meta.get("grade_id", "")
        if meta.get("grade") and (gid == f"test_{answer_id}" or gid.startswith(f"test_{answer_id}__")):
            ids.append(gid)
    return ids


def strip_solution_markers(source: str) -> str:
    return "\n".join(line for line in source.splitlines() if not _MARKERS.match(line))


def wrong_files(assignment: str) -> list[Path]:
    folder = WRONG / assignment
    return sorted(folder.glob("*__*.py")) if folder.is_dir() else []


def right_files(assignment: str) -> list[Path]:
    """Correct answers written differently (``tests/right/<assignment>/<answer_id>__<variant>.py``,
    named like the wrong files): each must get full marks on the test cells of its answer."""
    folder = RIGHT / assignment
    return sorted(folder.glob("*__*.py")) if folder.is_dir() else []


def parse_wrong_name(path: Path) -> tuple[str, str]:
    """``conv2d__flipped_kernel.py`` -> ("conv2d", "flipped_kernel")."""
    answer_id, _, bug = path.stem.partition("__")
    return answer_id, bug


def _env() -> dict:
    env = dict(os.environ)
    # nbgrader runs `alembic` from PATH when it opens a gradebook.
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env.setdefault("PYTHONHASHSEED", "0")
    return env


def run_nbgrader(course: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "nbgrader", *args]
    proc = subprocess.run(cmd, cwd=course, env=_env(), capture_output=True, text=True)
    if check and proc.returncode != 0:
        raise RuntimeError(
            f"{' '.join(args)} failed with exit code {proc.returncode}\n"
            f"--- stdout ---\n{proc.stdout[-4000:]}\n--- stderr ---\n{proc.stderr[-8000:]}"
        )
    return proc


def run_class_grader(course: Path, assignment: str, *extra: str, env: dict | None = None,
                     timeout: int = 1200, similarity: bool = False) -> subprocess.CompletedProcess:
    """``python -m autograder grade <assignment> --course <course> [extra]``, as an instructor runs it.

    ``--no-similarity`` unless ``similarity``: the suites' honest students hand in the instructor's
    solution, which the similarity check rightly flags (tests/test_autograder_similarity.py tests it).
    ``--jobs 1`` unless ``extra`` names ``--jobs`` (tests/test_autograder_parallel.py does).
    """
    extra = extra if similarity else (*extra, "--no-similarity")
    if "--jobs" not in extra:  # one student at a time: the suites run beside each other (xdist)
        extra = (*extra, "--jobs", "1")
    return subprocess.run([sys.executable, "-m", "autograder", "grade", assignment, "--course", str(course), *extra],
                          cwd=REPO, env=dict(_env(), **(env or {})), capture_output=True, text=True, timeout=timeout)


def make_course(root: Path, assignment: str) -> Path:
    """A fresh course folder with this repo's config and one assignment generated into it."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "nbgrader_config.py", root / "nbgrader_config.py")
    shutil.copytree(SOLUTIONS / assignment, root / "solutions" / assignment)
    run_nbgrader(root, "generate_assignment", assignment, "--force")
    return root


def solution_submission(assignment: str, notebook: str, release_dir: Path) -> nbformat.NotebookNode:
    """The released notebook with every answer cell replaced by the instructor's solution."""
    source = nbformat.read(SOLUTIONS / assignment / f"{notebook}.ipynb", as_version=4)
    solutions = {
        nbgrader_meta(c)["grade_id"]: strip_solution_markers(c.source)
        for c in source.cells
        if nbgrader_meta(c).get("solution")
    }
    nb = nbformat.read(release_dir / assignment / f"{notebook}.ipynb", as_version=4)
    for cell in nb.cells:
        gid = nbgrader_meta(cell).get("grade_id")
        if nbgrader_meta(cell).get("solution") and gid in solutions:
            cell.source = solutions[gid]
    return nb


def replace_answer(nb, answer_id: str, new_source: str) -> nbformat.NotebookNode:
    nb = copy.deepcopy(nb)
    hits = [c for c in nb.cells if nbgrader_meta(c).get("grade_id") == answer_id and nbgrader_meta(c).get("solution")]
    if len(hits) != 1:
        raise KeyError(f"answer cell {answer_id!r} not found exactly once (found {len(hits)})")
    hits[0].source = new_source
    return nb


def submit(course: Path, student: str, assignment: str, notebook: str, nb) -> Path:
    """Place ``nb`` where nbgrader expects a collected submission. ``nb`` may be a str (raw file text)."""
    folder = course / "submitted" / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{notebook}.ipynb"
    if isinstance(nb, str):
        path.write_text(nb)
    else:
        nbformat.write(nb, path)
    return path


@dataclasses.dataclass
class CellScore:
    score: float
    max_score: float


def scores(course: Path, assignment: str, student: str, notebook: str) -> dict[str, CellScore]:
    """grade_id -> score of one autograded notebook, read from the gradebook."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        nb = gb.find_submission_notebook(notebook, assignment, student)
        return {g.name: CellScore(float(g.score), float(g.max_score)) for g in nb.grades}


def release_differences(generated: Path, committed: Path) -> list[str]:
    """Names of notebooks whose generated and committed releases differ (ignoring JSON formatting)."""
    diffs = []
    gen = {p.name for p in generated.glob("*.ipynb")}
    com = {p.name for p in committed.glob("*.ipynb")} if committed.is_dir() else set()
    for name in sorted(gen | com):
        a, b = generated / name, committed / name
        if not (a.exists() and b.exists()):
            diffs.append(f"{name}: only in {'generated' if a.exists() else 'committed'} release")
            continue
        if json.loads(a.read_text()) != json.loads(b.read_text()):
            diffs.append(f"{name}: content differs")
    return diffs
