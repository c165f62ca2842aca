"""Class-grading throughput: plain ``nbgrader autograde`` against ``python -m autograder grade``.

Builds a course in a temporary folder with N copies of the honest submission of an assignment
(the instructor's solution in the released notebook, as ``tests/grading/harness.py`` makes it) and
grades the same submissions, in one run, with

* plain ``nbgrader autograde <assignment>`` (one process, one kernel per notebook, no sandbox),
* ``python -m autograder grade <assignment> --jobs J --force`` for each J of ``--jobs``,

then prints wall-clock time, CPU time (user + system of all child processes), the time per
submission and the ratios against plain nbgrader. With ``--profile`` it grades one more
submission alone and prints where its time goes, wall-clock and CPU per phase
(``AUTOGRADER_PROFILE``: :mod:`autograder.profiling`), as Markdown for ``benchmarks/README.md``.

Usage (from the repository root)::

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/grading_throughput.py -n 10 --jobs 1 2 --profile

The load average is printed at the start and the end: timings taken on a busy machine are not
comparable with those of a quiet one.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.grading import harness as h  # noqa: E402


def children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def timed(label: str, fn) -> dict:
    w0, c0 = time.perf_counter(), children_cpu()
    fn()
    return {"label": label, "wall": time.perf_counter() - w0, "cpu": children_cpu() - c0}


def make(root: Path, assignment: str, students: list[str]) -> Path:
    course = h.make_course(root, assignment)
    release = course / "exercises"
    for nb in h.notebooks(assignment):
        sub = h.solution_submission(assignment, nb, release)
        for s in students:
            h.submit(course, s, assignment, nb, sub)
    return course


def clear(course: Path) -> None:
    for name in ("autograded", "feedback", ".autograder"):
        shutil.rmtree(course / name, ignore_errors=True)


def class_grade(course: Path, assignment: str, *extra: str, env: dict | None = None):
    proc = h.run_class_grader(course, assignment, "--force", *extra, env=env, timeout=7200)
    if proc.returncode != 0:
        raise RuntimeError(proc.stdout[-3000:] + proc.stderr[-3000:])
    return proc


def profile(root: Path, assignment: str) -> str:
    """Grade one submission alone and say where its time goes, wall-clock and CPU (Markdown).

    The phases come from :mod:`autograder.profiling` (``AUTOGRADER_PROFILE``), recorded by the
    class command (``student: ...``, ``class: ...``) and by the executor inside its nbgrader
    process (``execute: ...``); indented phases are part of the phase above them. CPU counts the
    process and its children (the kernels), so a phase whose CPU is far below its wall-clock time
    waited."""
    course = make(root / "profile", assignment, ["p1"])
    rows = []
    for label, fn in (
        (
            "plain `nbgrader autograde`, one submission",
            lambda: h.run_nbgrader(course, "autograde", assignment, "--force"),
        ),
        (
            "`python -c 'import nbgrader.apps'` (nbgrader start-up, imports)",
            lambda: subprocess.run([sys.executable, "-c", "import nbgrader.apps"], check=True),
        ),
    ):
        t = timed(label, fn)
        rows.append((label, 1, t["wall"], t["cpu"]))
    clear(course)
    prof = root / "profile.jsonl"
    env = {"AUTOGRADER_PROFILE": str(prof)}
    label = "`python -m autograder grade --jobs 1 --force`, one submission (whole command)"
    t = timed(label, lambda: class_grade(course, assignment, "--jobs", "1", env=env))
    rows.append((label, 1, t["wall"], t["cpu"]))
    per: dict[str, list[float]] = {}
    for line in prof.read_text().splitlines():
        entry = json.loads(line)
        acc = per.setdefault(entry["phase"], [0, 0.0, 0.0])
        acc[0] += 1
        acc[1] += entry["wall"]
        acc[2] += entry["cpu"]
    order = ["class: ", "student: ", "execute: "]
    keys = sorted(per, key=lambda k: next(i for i, o in enumerate(order) if k.startswith(o)))
    rows += [(k, int(per[k][0]), per[k][1], per[k][2]) for k in keys]
    proc_key, exec_key = "student: nbgrader autograde process (all of it)", "execute: all of it"
    if proc_key in per and exec_key in per:
        rows.append(
            (
                "= nbgrader process outside the execute preprocessor (start-up, imports, "
                "other preprocessors, gradebook)",
                1,
                per[proc_key][1] - per[exec_key][1],
                float("nan"),
            )
        )
    phases = [k for k in per if k.startswith(("class: ", "student: "))]
    rows.append(
        (
            "= rest of the class command (start-up, imports, resume, CSV...)",
            1,
            t["wall"] - sum(per[k][1] for k in phases),
            float("nan"),
        )
    )
    return "\n".join(
        [
            "| step | times | wall s | CPU s |",
            "|---|---|---|---|",
            *[f"| {k} | {n} | {w:.2f} | {c:.2f} |" for k, n, w, c in rows],
        ]
    )


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("-n", type=int, default=10, help="copies of the honest submission")
    p.add_argument("--assignment", default="02-convolution-layers")
    p.add_argument("--jobs", type=int, nargs="*", default=[1, 2])
    p.add_argument("--profile", action="store_true", help="also profile one submission")
    a = p.parse_args(argv)
    print(f"load average at start: {os.getloadavg()}; {os.cpu_count()} CPU(s)", flush=True)
    students = [f"s{i:03d}" for i in range(a.n)]
    root = Path(tempfile.mkdtemp(prefix="ag-bench-"))
    try:
        course = make(root / "course", a.assignment, students)
        runs = [
            timed(
                "plain nbgrader autograde",
                lambda: h.run_nbgrader(course, "autograde", a.assignment, "--force"),
            )
        ]
        for j in a.jobs:
            clear(course)
            runs.append(
                timed(
                    f"python -m autograder grade --jobs {j}",
                    lambda j=j: class_grade(course, a.assignment, "--jobs", str(j)),
                )
            )
        base = runs[0]["wall"]
        print(f"\n{a.n} honest submission(s) of {a.assignment}\n")
        print("| | wall s | CPU s | per submission s | wall / plain nbgrader |")
        print("|---|---|---|---|---|")
        for r in runs:
            print(
                f"| {r['label']} | {r['wall']:.1f} | {r['cpu']:.1f} | "
                f"{r['wall'] / a.n:.2f} | {r['wall'] / base:.2f} |"
            )
        if a.profile:
            print(f"\none submission of {a.assignment}, profiled:\n")
            print(profile(root, a.assignment))
        print(f"\nload average at end: {os.getloadavg()}", flush=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
