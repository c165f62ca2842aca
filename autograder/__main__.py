"""``python -m autograder grade <assignment> [--course DIR] [--allow-unsandboxed] [--cpu-seconds S]
[--memory-gb G] [--file-mb M] [--max-procs N] [--kernel-user USER] [--jobs N | --scheduler ADDRESS]
[--force] ...``
``python -m autograder scan <notebook> ... [--source DIR]``
``python -m autograder check-sandbox``"""

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
    g.add_argument(
        "--allow-unsandboxed",
        action="store_true",
        help="grade even if the bubblewrap sandbox cannot start "
        "(student code then runs with your rights)",
    )
    g.add_argument(
        "--student-timeout", type=int, default=1800, help="wall-clock seconds per student"
    )
    g.add_argument(
        "--cpu-seconds",
        type=int,
        default=1800,
        help="CPU-time limit of a grading kernel, whole notebook (default 1800); "
        "past it the kernel is stopped and the student shows as crashed, naming the limit",
    )
    g.add_argument(
        "--memory-gb",
        type=float,
        default=8.0,
        help="address-space limit of a grading kernel in GiB (default 8); "
        "beyond it allocations raise MemoryError (that cell scores 0, the reason names the limit)",
    )
    g.add_argument(
        "--file-mb",
        type=float,
        default=200.0,
        help="largest file a grading kernel may write, in MiB (default 200)",
    )
    g.add_argument(
        "--max-procs",
        type=int,
        default=None,
        help="processes and threads a grading kernel may add (default 256 + 4 per CPU core); "
        "stops fork bombs",
    )
    g.add_argument(
        "--kernel-user",
        default=None,
        help="when grading as root: the unprivileged user the kernel runs as, "
        "a name, uid or uid:gid (default nobody); refused when not grading "
        "as root (the kernel then keeps your uid)",
    )
    g.add_argument(
        "--csv", default=None, help="where to write the grades (default grades-<assignment>.csv)"
    )
    g.add_argument("--no-feedback", action="store_true")
    g.add_argument(
        "--handout",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="the kernel sees only the assignment's handout copy of convkit, no reference "
        "(default: on when the assignment has a handout list, autograder.handout.HANDOUT)",
    )
    g.add_argument(
        "--no-similarity",
        action="store_true",
        help="skip comparing answer cells with the reference and between students",
    )
    g.add_argument(
        "--jobs",
        type=int,
        default=None,
        help="students graded at once, each in its own nbgrader process, sandbox and kernels "
        "(default: the number of CPU cores)",
    )
    g.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="grade each student on a worker of the Dask cluster whose scheduler is at ADDRESS "
        "(tcp://host:port, or a scheduler file); this process keeps the gradebook, CSV and "
        "feedback. Each worker needs this environment and bubblewrap; it grades as many students "
        "at once as it has threads (dask worker --nthreads). --jobs is then unused",
    )
    g.add_argument(
        "--force",
        action="store_true",
        help="regrade everyone (default: keep the result of a student whose submission, "
        "assignment source and settings did not change since an earlier run)",
    )
    s = sub.add_parser("scan", help="scan notebooks for forbidden constructs")
    s.add_argument("notebooks", nargs="+")
    s.add_argument(
        "--release",
        default=None,
        help="released notebook to compare locked cells with (default: the course's release of "
        "the notebook's assignment, when it exists)",
    )
    s.add_argument(
        "--source",
        default=None,
        help="the assignment's source folder, whose grading.json is the policy (default: "
        "<source directory of the course in --course>/<the notebook's folder name>, when it "
        "exists, else the defaults)",
    )
    s.add_argument("--course", default=".", help="nbgrader course folder (default: current folder)")
    sub.add_parser("check-sandbox", help="say whether the bubblewrap sandbox can start here")
    a = p.parse_args(argv)
    if a.cmd == "grade":
        if a.scheduler is None:  # nbgrader's processes come from the fork server: start it now,
            from autograder import nbfork  # its imports overlap this process's own

            nbfork.start()
        from autograder.batch import grade
        from autograder.errors import GradingError, SandboxRefused
        from autograder.sandbox import kernel_identity

        for flag, value in (
            ("--cpu-seconds", a.cpu_seconds),
            ("--memory-gb", a.memory_gb),
            ("--file-mb", a.file_mb),
            ("--max-procs", 1 if a.max_procs is None else a.max_procs),
            ("--jobs", 1 if a.jobs is None else a.jobs),
        ):
            if value <= 0:
                p.error(f"{flag} must be positive (got {value})")
        try:
            kernel_identity(a.kernel_user)
        except ValueError as err:
            p.error(f"--kernel-user: {err}")
        try:
            grade(
                a.assignment,
                Path(a.course),
                allow_unsandboxed=a.allow_unsandboxed,
                per_student_timeout=a.student_timeout,
                cpu_seconds=a.cpu_seconds,
                memory_bytes=int(a.memory_gb * (1 << 30)),
                file_bytes=int(a.file_mb * (1 << 20)),
                max_procs=a.max_procs,
                kernel_user=a.kernel_user,
                csv_path=a.csv,
                feedback=not a.no_feedback,
                handout=a.handout,
                similarity=not a.no_similarity,
                jobs=a.jobs,
                force=a.force,
                scheduler=a.scheduler,
            )
        except SandboxRefused as err:  # grade() printed the banner that says why
            return err.exit_code
        except GradingError as err:
            print(f"error: {err}", file=sys.stderr)
            return err.exit_code
        return 0
    if a.cmd == "scan":
        from autograder.batch import course_dirs
        from autograder.scan import scan_notebook
        from convgrade.policy import load_policy

        n = 0
        dirs = course_dirs(Path(a.course))
        for nb in a.notebooks:
            # the assignment's own policy (torch chapters allow torch imports) and release
            assignment = Path(nb).resolve().parent.name
            source = Path(a.source) if a.source else dirs["source"] / assignment
            release = Path(a.release) if a.release else dirs["release"] / assignment / Path(nb).name
            try:
                policy = load_policy(source if source.is_dir() else None)
            except ValueError as err:
                print(f"error: {err}", file=sys.stderr)
                return 2
            for f in scan_notebook(Path(nb), release if release.exists() else None, policy):
                print(f"{nb}: {f}")
                n += 1
        return 1 if n else 0
    from autograder.sandbox import check

    problem = check()
    print("sandbox OK" if problem is None else f"sandbox unavailable: {problem}")
    return 0 if problem is None else 1


if __name__ == "__main__":
    sys.exit(main())
