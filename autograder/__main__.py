"""``python -m autograder grade <assignment> [--course DIR] [--allow-unsandboxed] ...``
``python -m autograder scan <notebook> ...``  ``python -m autograder check-sandbox``"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m autograder", description=__doc__)
    sub = p.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("grade", help="grade every submission of an assignment")
    g.add_argument("assignment")
    g.add_argument("--course", default=".", help="nbgrader course folder (default: current folder)")
    g.add_argument("--allow-unsandboxed", action="store_true",
                   help="grade even if the bubblewrap sandbox cannot start (student code then runs with your rights)")
    g.add_argument("--student-timeout", type=int, default=1800, help="wall-clock seconds per student")
    g.add_argument("--cpu-seconds", type=int, default=1800, help="CPU-time limit of a grading kernel")
    g.add_argument("--memory-gb", type=float, default=8.0, help="address-space limit of a grading kernel")
    g.add_argument("--csv", default=None, help="where to write the grades (default grades-<assignment>.csv)")
    g.add_argument("--no-feedback", action="store_true")
    s = sub.add_parser("scan", help="scan notebooks for forbidden constructs")
    s.add_argument("notebooks", nargs="+")
    s.add_argument("--release", default=None, help="released notebook to compare locked cells with")
    sub.add_parser("check-sandbox", help="say whether the bubblewrap sandbox can start here")
    a = p.parse_args(argv)
    if a.cmd == "grade":
        from autograder.batch import grade

        grade(a.assignment, Path(a.course), allow_unsandboxed=a.allow_unsandboxed,
              per_student_timeout=a.student_timeout, cpu_seconds=a.cpu_seconds,
              memory_bytes=int(a.memory_gb * (1 << 30)), csv_path=a.csv, feedback=not a.no_feedback)
        return 0
    if a.cmd == "scan":
        from autograder.scan import scan_notebook

        n = 0
        for nb in a.notebooks:
            for f in scan_notebook(Path(nb), Path(a.release) if a.release else None):
                print(f"{nb}: {f}")
                n += 1
        return 1 if n else 0
    from autograder.sandbox import check

    problem = check()
    print("sandbox OK" if problem is None else f"sandbox unavailable: {problem}")
    return 0 if problem is None else 1


if __name__ == "__main__":
    sys.exit(main())
