"""Grade the adversarial classes with the class grader and keep their CSVs, to compare two versions.

Builds the two classes of the adversarial suite (the ``adv`` fixture class of
``test_adversarial.py`` and the real ``02-convolution-layers`` class of
``test_real_assignment.py``) in fixed folders under ``OUT``, runs
``python -m autograder grade`` on each (sandboxed, as the suite does) and copies each
``grades-<assignment>.csv`` to ``OUT/<name>.csv``. Run it before and after a change to the grader
and ``diff -r`` the two output folders: same grades, status and reasons.

    python -m tests.adversarial.baseline /tmp/before
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from tests.adversarial import fixture as fx
from tests.adversarial import real
from tests.adversarial import test_adversarial as adv
from tests.adversarial import test_real_assignment as ra
from tests.grading import harness as h


def adv_class(root: Path) -> tuple[Path, str]:
    course = fx.make_course(root / "course")
    for student, answers in adv.HONEST.items():
        fx.submit(course, student, fx.fill(fx.released(course), **answers))
    for student, nb in adv.cheats(course).items():
        fx.submit(course, student, nb)
    return course, fx.ASSIGNMENT


def real_class(root: Path) -> tuple[Path, str]:
    course = real.make_course(root / "course", cell_timeout=8)
    for student, answers in ra.HONEST.items():
        real.submit(course, student, real.with_answers(course, **answers))
    for student, nb in ra.cheats(course).items():
        real.submit(course, student, nb)
    return course, real.ASSIGNMENT


CLASSES = {"adv": adv_class, "real-02": real_class}


def main(argv: list[str]) -> int:
    out = Path(argv[0]).resolve()
    names = argv[1:] or list(CLASSES)
    out.mkdir(parents=True, exist_ok=True)
    for name in names:
        # the same course path on every run, so that no reason differs by a temporary folder name
        root = Path("/tmp/convcourse-baseline") / name
        shutil.rmtree(root, ignore_errors=True)
        course, assignment = CLASSES[name](root)
        proc = h.run_class_grader(course, assignment, timeout=3 * 3600)  # a busy machine is slow
        (out / f"{name}.log").write_text(proc.stdout + proc.stderr)
        if proc.returncode != 0:
            print(f"{name}: the class grader exited with {proc.returncode}", file=sys.stderr)
            return 1
        shutil.copy(course / f"grades-{assignment}.csv", out / f"{name}.csv")
        print(f"{name}: {out / f'{name}.csv'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
