"""What the kernel guard's profiler hook costs in the cells that run in the student's kernel.

Runs, in a fresh Python process each time, the cells of an assignment that the class grader runs in
the student's kernel (the setup cells and the instructor's solution in the answer cells; the test
cells run in the trusted kernel) in an in-process IPython shell, once with the guard installed
(:func:`autograder.guard.install`, the assignment's forbidden-call policy) and once without, and
prints the CPU seconds (``time.process_time``) of the cells alone, the median over ``--repeats``
alternating runs, and the number of profiler events the hook handled.

Usage (from the repository root)::

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/guard_hook.py --assignment 02-convolution-layers
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def cells(assignment: str) -> tuple[list[str], list[str]]:
    """(the code cells the student's kernel runs, in order; the instructor's among them)."""
    import nbformat

    from autograder.guard import source_hash
    from autograder.twoprocess import split_config
    from tests.grading import harness as h

    sources, instructor = [], []
    for notebook in h.notebooks(assignment):
        path = h.SOLUTIONS / assignment / f"{notebook}.ipynb"
        split = split_config([path])
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            # (an in-process shell has no inline backend: MPLBACKEND=agg, figures not shown)
            src = h.strip_solution_markers(cell.source).replace("%matplotlib inline", "")
            if source_hash(cell.source) in split.tests:
                continue  # a test cell: the trusted kernel's
            sources.append(src)
            if source_hash(cell.source) in split.setup:
                instructor.append(src)
    return sources, instructor


def child(assignment: str, guarded: bool, count: bool = False) -> dict:
    """Run the cells here (a fresh process): CPU seconds, and with ``count`` the number of
    profiler events the hook handled (counting them costs CPU time of its own)."""
    import time

    from IPython.core.interactiveshell import InteractiveShell

    from autograder.guard import source_hash
    from convgrade.policy import load_policy

    os.environ["MPLBACKEND"] = "agg"
    sources, instructor = cells(assignment)
    shell = InteractiveShell.instance()
    os.chdir(REPO / "solutions" / assignment)
    events = [0]
    stopped = [False]
    if guarded:
        import autograder.guard as guard

        policy = load_policy(REPO / "solutions" / assignment)
        config = {
            "trusted": [source_hash(s) for s in instructor],
            "token": "x",
            "forbidden": list(policy.forbidden_calls),
            "allow": list(policy.allow),
        }
        guard.install(json.dumps(config))
        hook = guard._GUARD.hook

        def counting(frame, event, arg):
            if stopped[0]:
                return None
            events[0] += 1
            return hook(frame, event, arg)

        def stoppable(frame, event, arg):
            if stopped[0]:
                return None
            return hook(frame, event, arg)

        guard._GUARD.hook = counting if count else stoppable  # type: ignore[method-assign]
        guard._GUARD.arm()
    start = time.process_time()
    failed = 0
    for src in sources:
        result = shell.run_cell(src, store_history=True, silent=False)
        failed += not result.success
    cpu = time.process_time() - start
    stopped[0] = True  # (this frame counts as the student's: switching the hook off is tampering)
    sys.setprofile(None)
    return {"cpu": cpu, "events": events[0], "cells": len(sources), "failed": failed}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--assignment", default="02-convolution-layers")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--child", choices=["guarded", "plain", "counted"], help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a.child:
        print(json.dumps(child(a.assignment, a.child != "plain", a.child == "counted")))
        return 0
    print(f"load average at start: {os.getloadavg()}", flush=True)
    runs: dict[str, list[dict]] = {"plain": [], "guarded": []}

    def run(kind: str) -> dict:
        out = subprocess.run(
            [sys.executable, __file__, "--assignment", a.assignment, "--child", kind],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        return json.loads(out.strip().splitlines()[-1])

    events = run("counted")["events"]
    for _ in range(a.repeats):
        for kind in ("plain", "guarded"):
            runs[kind].append(run(kind))
    print(f"\n{a.assignment}: the cells the student's kernel runs, {runs['plain'][0]['cells']}")
    print("| | CPU s (median) | CPU s (all runs) | hook events | cells that failed |")
    print("|---|---|---|---|---|")
    for kind, rs in runs.items():
        cpu = [r["cpu"] for r in rs]
        print(
            f"| {kind} | {statistics.median(cpu):.2f} | {', '.join(f'{c:.2f}' for c in cpu)} | "
            f"{events if kind == 'guarded' else 0} | {rs[0]['failed']} |"
        )
    print(f"\nload average at end: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
