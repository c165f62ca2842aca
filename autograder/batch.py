"""Grade a whole class: ``python -m autograder grade <assignment>``.

For every ``submitted/<student>/<assignment>/`` of the course folder (in sorted order):

1. check that each notebook is valid JSON/nbformat (else: status ``invalid``, not graded),
2. scan it (:mod:`autograder.scan`); flags are kept with their reasons,
3. run ``nbgrader autograde <assignment> --student <student> --force`` in its own process, with the
   grading kernel (sandboxed, guarded) and a wall-clock limit, so that nothing one submission
   does can stop the others,
4. classify: ``graded``, ``timeout`` (a cell hit the per-cell limit; later cells were graded),
   ``crashed`` (the kernel died or nbgrader failed: nbgrader leaves no graded notebook and would
   export a silent 0), ``invalid``; and ``flagged`` (scan flags or a forbidden call caught by the
   guard) on top of the status,
5. write student feedback without hidden tests (:mod:`autograder.feedback`).

With ``--scheduler``, steps 1-4 of each student run on a worker of a Dask cluster
(:mod:`autograder.dask_grading`) and this process records what comes back.

It prints one line per student, a summary and writes ``grades-<assignment>.csv``. Nothing depends
on time or order of runs, so grading twice gives the same CSV.
"""

from __future__ import annotations

import csv
import dataclasses
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from autograder import gblock, parallel, profiling, progress, reports, resume, sandbox
from autograder.config import CONFIG_ENV, GUARD_ENV, SANDBOX_ENV, GuardConfig, SandboxConfig
from autograder.errors import GradingError, SandboxRefused
from autograder.guard import source_hash
from autograder.twoprocess import SPLIT_ENV, split_config, write_trusted_kernelspec
from convgrade.policy import GradingPolicy, load_policy

REPO = Path(__file__).resolve().parents[1]
STATUSES = ("graded", "timeout", "crashed", "invalid")
CSV_FIELDS = ["student_id", "status", "flagged", "score", "max_score", "reasons", "similar"]


@dataclasses.dataclass
class Result:
    student: str
    status: str = "graded"
    score: float | None = None
    max_score: float | None = None
    reasons: list = dataclasses.field(default_factory=list)
    flags: list = dataclasses.field(default_factory=list)
    #: ``grade_id~source(score)`` items of :mod:`autograder.similarity`
    similar: list = dataclasses.field(default_factory=list)

    @property
    def flagged(self) -> bool:
        return bool(self.flags)

    def row(self) -> dict:
        def fmt(v):
            return "" if v is None else f"{v:g}"

        return {
            "student_id": self.student,
            "status": self.status,
            "flagged": "yes" if self.flagged else "no",
            "score": fmt(self.score) if self.status in ("graded", "timeout") else "",
            "max_score": fmt(self.max_score),
            "reasons": "; ".join(self.reasons + [str(f) for f in self.flags]),
            "similar": "; ".join(self.similar),
        }


def _meta(cell):
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def course_dirs(course: Path) -> dict:
    """Folders of the course as its ``nbgrader_config.py`` configures them (read with traitlets'
    config loader, as nbgrader reads it): ``source`` (``CourseDirectory.source_directory``, here
    ``solutions``), ``release``, ``submitted``, ``autograded``; nbgrader's defaults where unset."""
    from traitlets.config.loader import Config, PyFileConfigLoader

    config = Config()
    if (Path(course) / "nbgrader_config.py").exists():
        config = PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()
    cd = config.CourseDirectory
    names = {
        key: cd.get(trait, default)
        for key, trait, default in (
            ("source", "source_directory", "source"),
            ("release", "release_directory", "release"),
            ("submitted", "submitted_directory", "submitted"),
            ("autograded", "autograded_directory", "autograded"),
        )
    }
    return {key: Path(course) / str(name) for key, name in names.items()}


def trusted_hashes(source_dir: Path, release_dir: Path) -> list[str]:
    """Hashes of the instructor's code cells: the locked ones (as the gradebook restores them,
    hidden tests included) and the free cells shipped in the release ("try it" cells), not the
    answers."""
    import nbformat

    out = set()
    for folder in (source_dir, release_dir):
        for path in sorted(folder.glob("*.ipynb")):
            nb = nbformat.read(str(path), as_version=4)
            for c in nb.cells:
                if c.cell_type == "code" and not _meta(c).get("solution"):
                    # as IPython receives it: the source as stored and as nbclient sends it
                    out |= {source_hash(c.source), source_hash(c.source.rstrip("\n"))}
    return sorted(out)


def guard_config(policy: GradingPolicy, trusted: list[str]) -> GuardConfig:
    """The guard's settings for one class run: the assignment's ``policy`` (forbidden calls), the
    hashes of the instructor's cells and a fresh secret token."""
    import secrets

    return GuardConfig(
        trusted=tuple(trusted),
        token=secrets.token_hex(16),
        forbidden=policy.forbidden_calls,
        allow=policy.allow,
    )


def _env(extra: dict) -> dict:
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env["PYTHONPATH"] = str(REPO) + (
        os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else ""
    )
    env.setdefault("PYTHONHASHSEED", "0")
    env.update(extra)
    return env


def inspect_autograded(folder: Path) -> tuple[bool, list[str]]:
    """(timed_out, guard reasons) from the autograded notebooks of one student: the violations
    the guard reported (``nb.metadata["autograder"]``, written by
    :class:`autograder.execute.GuardedExecute`), one reason per distinct message with the cells it
    happened in."""
    import nbformat

    timed_out = False
    reasons: dict[str, list[str]] = {}  # reason -> the cells it happened in
    for path in sorted(folder.glob("*.ipynb")):
        nb = nbformat.read(str(path), as_version=4)
        guard = nb.metadata.get("autograder", {})
        if guard.get("guard") != "on":
            reasons.setdefault(
                f"guard {guard.get('guard', 'missing')} in {path.name}: the kernel-side checks "
                "did not report for the whole notebook",
                [],
            )
        for v in guard.get("violations", []):
            where = v.get("grade_id") or f"cell {int(v.get('cell_index', -1)) + 1}"
            kind = str(v.get("kind", "violation")).replace("-", " ")
            reasons.setdefault(f"{kind}: {str(v.get('message', ''))[:300]}", []).append(where)
        for i, cell in enumerate(nb.cells, 1):
            for out in cell.get("outputs", []):
                if out.get("output_type") != "error":
                    continue
                if (
                    out.get("ename") == "CellTimeoutError"
                    or "timed out" in out.get("evalue", "").lower()
                ):
                    timed_out = True
                if out.get("ename") == "InputModifiedError":  # two-process: the test saw it
                    where = _meta(cell).get("grade_id") or f"cell {i}"
                    first = str(out.get("evalue", "")).split(" (a numpy array", 1)[0]
                    reasons.setdefault(f"changed input: {first[:300]}", []).append(where)
                if out.get("ename") == "ForbiddenCallError" and guard.get("guard") != "on":
                    where = _meta(cell).get("grade_id") or f"cell {i}"
                    reasons.setdefault(f"forbidden call: {out.get('evalue', '')[:300]}", []).append(
                        where
                    )
    flags = [
        f"{text} (in {', '.join(dict.fromkeys(cells))})" if cells else text
        for text, cells in reasons.items()
    ]
    return timed_out, flags


def stderr_notes(folder: Path) -> list[str]:
    """One note (a reason, not a flag) naming the graded test cells of one student that wrote to
    stderr, from ``nb.metadata["autograder"]["stderr"]`` of the autograded notebooks (written by
    :class:`autograder.preprocessors.StderrToStdout`, which keeps that output as ``[stderr]``
    lines so that it costs no points)."""
    import nbformat

    cells = []
    for path in sorted(folder.glob("*.ipynb")):
        nb = nbformat.read(str(path), as_version=4)
        for entry in nb.metadata.get("autograder", {}).get("stderr", []):
            cells.append(entry.get("grade_id") or f"cell {int(entry.get('cell_index', -1)) + 1}")
    if not cells:
        return []
    return [
        f"stderr output in {', '.join(dict.fromkeys(cells))} "
        "(kept as [stderr] lines in the feedback; not counted against the cells)"
    ]


def trusted_setup_notes(folder: Path) -> list[str]:
    """One reason per setup cell whose copy in the trusted kernel failed (two-process grading,
    ``nb.metadata["autograder"]["trusted_setup_errors"]``, written by
    :class:`autograder.twoprocess.SplitExecute`): the test cells that use what it defines fail
    too, and the student must not take that as their own zero."""
    import nbformat

    notes = []
    for path in sorted(folder.glob("*.ipynb")):
        nb = nbformat.read(str(path), as_version=4)
        for err in nb.metadata.get("autograder", {}).get("trusted_setup_errors", []):
            cell = int(err.get("cell_index", -1)) + 1
            notes.append(
                f"grader error: the trusted copy of setup cell {cell} of {path.name} failed "
                f"({err.get('ename', '?')}: {str(err.get('evalue', ''))[:200]}); "
                "test cells that need it may have failed for that reason"
            )
    return notes


def gradebook_scores(course: Path, assignment: str, student: str):
    from nbgrader.api import Gradebook, MissingEntry

    lock = course / ".autograder" / "gradebook.lock"
    with gblock.locked(lock), Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        try:
            sub = gb.find_submission(assignment, student)
        except MissingEntry:
            return None, None
        return float(sub.score), float(sub.max_score)


def grade_student(
    course: Path,
    assignment: str,
    student: str,
    env: dict,
    dirs: dict,
    per_student_timeout: int,
    log_dir: Path,
    box: SandboxConfig,
    policy: GradingPolicy,
    fork: bool = False,
) -> Result:
    """Grade one student's submission (steps 1-4 of the module docstring). ``fork``: start
    its ``nbgrader autograde`` process from the fork server that imported nbgrader once
    (:mod:`autograder.nbfork`) instead of as a new ``python -m nbgrader`` command."""
    import nbformat

    from autograder.scan import scan_notebook

    res = Result(student)
    sub_dir = dirs["submitted"] / student / assignment
    notebooks = sorted(sub_dir.glob("*.ipynb"))
    expected = sorted(p.name for p in (dirs["source"] / assignment).glob("*.ipynb"))
    missing = sorted(set(expected) - {p.name for p in notebooks})
    if not notebooks or missing:
        res.status = "invalid"
        res.reasons.append(f"missing notebook(s): {', '.join(missing) or 'none submitted'}")
    for path in notebooks:
        try:
            with profiling.phase("student: validate + scan"):
                nbformat.validate(nbformat.read(str(path), as_version=4))
        except Exception as err:  # NotJSONError, ValidationError, UnicodeDecodeError...
            res.status = "invalid"
            first = str(err).strip().splitlines()[0][:200] if str(err).strip() else ""
            res.reasons.append(
                f"{path.name} is not a valid notebook: {type(err).__name__}: {first}"
            )
            continue
        try:
            with profiling.phase("student: validate + scan"):
                res.flags += scan_notebook(path, dirs["release"] / assignment / path.name, policy)
        except Exception as err:
            res.flags.append(f"{path.name}: the scan failed ({type(err).__name__}: {err})")
    graded_dir = dirs["autograded"] / student / assignment
    if res.status == "invalid":
        shutil.rmtree(graded_dir, ignore_errors=True)
        return res
    args = ["autograde", assignment, "--student", student, "--force"]
    with profiling.phase("student: nbgrader autograde process (all of it)"):
        rc, log = _run_nbgrader(
            args, course, env, log_dir / f"{student}.log", per_student_timeout, fork
        )
    kernel_reasons = [e["reason"] for e in reports.take_reports(box) if e.get("reason")]
    sandbox.restore_owner(graded_dir, box)  # the kernel's user owned its working folder
    if rc is None:
        res.status = "crashed"
        # no kernel reasons: the kernels were stopped because of this kill, and whether their
        # launcher's report came in before this line is a matter of timing
        res.reasons.append(
            f"grading did not finish within {per_student_timeout} s (--student-timeout, "
            "wall-clock): stopped, not graded"
        )
        shutil.rmtree(graded_dir, ignore_errors=True)
        return res
    if rc != 0 or not graded_dir.is_dir() or not list(graded_dir.glob("*.ipynb")):
        res.status = "crashed"
        why = (
            "kernel died"
            if ("DeadKernel" in log or "Kernel died" in log or "kernel died" in log)
            else "nbgrader failed"
        )
        res.reasons += [f"{why} (exit {rc}); see {log_dir.name}/{student}.log"] + kernel_reasons
        return res
    with profiling.phase("student: read the autograded notebook + gradebook"):
        return _classify(res, course, assignment, student, graded_dir, box, kernel_reasons)


def may_owe_to_neighbours(r: Result) -> bool:
    """Whether a result of a run with ``--jobs`` > 1 may depend on the students graded at the same
    time, so that it is taken again with nobody beside it (:func:`grade`): a process limit hit
    (``RLIMIT_NPROC`` counts every process of the kernel's user, the concurrent kernels'
    included, so a fork bomb beside an honest student can use up that student's share), a
    grader error (:func:`trusted_setup_notes`), or a kernel that died or nbgrader that failed
    without a limit of its own named (the machine's memory is shared too). Not the CPU-time
    limit (CPU time is the kernel's own) nor the per-student time-out (a second try would cost
    that time again)."""
    reasons = r.reasons + [str(f) for f in r.flags]
    if any("process limit" in x or x.startswith("grader error:") for x in reasons):
        return True
    return r.status == "crashed" and not any(
        x.startswith(("CPU-time limit:", "grading did not finish within")) for x in reasons
    )


def _run_nbgrader(
    args: list[str], course: Path, env: dict, log_path: Path, timeout: float | None, fork: bool
) -> tuple[int | None, str]:
    """``nbgrader *args`` in ``course``: forked from the fork server (:mod:`autograder.nbfork`)
    when ``fork``, else as a new ``python -m nbgrader``. Returns its exit status (None when it
    ran out of ``timeout`` wall-clock seconds and was killed) and its output, which is also
    written to ``log_path``."""
    if fork:
        from autograder import nbfork

        rc = nbfork.run(args, course, env, log_path, timeout)
        log = log_path.read_text(errors="replace") if log_path.exists() else ""
        if rc is None:
            log += f"\nnbgrader {' '.join(args)} timed out after {timeout} s\n"
    else:
        try:
            proc = subprocess.run(
                [sys.executable, "-m", "nbgrader", *args],
                cwd=course,
                env=env,
                capture_output=True,
                text=True,
                timeout=timeout,
            )
            rc, log = proc.returncode, proc.stdout + proc.stderr
        except subprocess.TimeoutExpired as err:
            rc, log = None, f"{err}\n{_text(err.stdout)}{_text(err.stderr)}"
    log_path.write_text(log)
    return rc, log


def _classify(res, course, assignment, student, graded_dir, box, kernel_reasons) -> Result:
    timed_out, forbidden = inspect_autograded(graded_dir)
    if timed_out:
        res.status = "timeout"
        res.reasons.append("a cell exceeded the time limit (it scores 0, later cells were graded)")
    res.flags += forbidden
    res.reasons += kernel_reasons + reports.limit_reasons(graded_dir, box)
    res.reasons += stderr_notes(graded_dir) + trusted_setup_notes(graded_dir)
    res.score, res.max_score = gradebook_scores(course, assignment, student)
    return res


def _text(output: str | bytes | None) -> str:
    """A captured stream as text (``subprocess.TimeoutExpired`` may hold bytes or None)."""
    if isinstance(output, bytes):
        return output.decode("utf-8", errors="replace")
    return output or ""


def write_extra_config(folder: Path, kernel_ipc: Path) -> Path:
    path = folder / "autograder_config.py"
    path.write_text(
        f"# written by python -m autograder; loaded from nbgrader_config.py via {CONFIG_ENV}\n"
        "from autograder.execute import autograde_preprocessors\n"
        "from autograder.preprocessors import ClipOutput, StderrToStdout\n"
        "from autograder.loadsafe import ProfiledExecute\n"
        "# concurrent students (--jobs) take turns on the gradebook (autograder.gblock)\n"
        "__import__('autograder.gblock', fromlist=['install']).install()\n"
        "# nbgrader's pipeline with ProfiledExecute (SplitExecute: test cells in a trusted\n"
        "# kernel when AUTOGRADER_SPLIT is set; the guard's report after every cell),\n"
        "# StderrToStdout (stderr in a test cell is reported, never scored 0) and ClipOutput\n"
        "c.Autograde.autograde_preprocessors = autograde_preprocessors(\n"
        "    extra_after_execute=[StderrToStdout, ClipOutput], executor=ProfiledExecute)\n"
        "# the per-cell limit in CPU time (autograder.loadsafe); a busy machine costs time only,\n"
        "# so the waits below are backstops for a kernel that stopped answering, not limits\n"
        "c.GuardedExecute.report_timeout = 300\n"
        "c.SplitExecute.trusted_startup_timeout = 300\n"
        f"c.Execute.kernel_name = {sandbox.KERNEL_NAME!r}\n"
        "# the outputs of a finished cell may lag on a loaded machine: wait, do not fail\n"
        "c.Execute.iopub_timeout = 300\n"
        "# a kernel that imports torch in a sandbox on a loaded machine starts slowly\n"
        "c.Execute.startup_timeout = 300\n"
        "# once the last cell's results are in, the student's kernel is killed (with its\n"
        "# sandbox: bwrap --die-with-parent), not asked to exit and waited for\n"
        "c.Execute.shutdown_kernel = 'immediate'\n"
        "# a kernel that imported torch may take a while to exit on a loaded machine\n"
        "c.KernelManager.shutdown_wait_time = 30.0\n"
        "c.KernelManager.transport = 'ipc'\n"
        f"c.KernelManager.ip = {str(kernel_ipc / 'kernel')!r}\n"
    )
    return path


@dataclasses.dataclass(frozen=True)
class RunSettings:
    """What every student of one class run is graded with (picklable: it travels to Dask workers,
    :mod:`autograder.dask_grading`)."""

    assignment: str
    per_student_timeout: int
    cpu_seconds: int
    memory_bytes: int
    file_bytes: int
    max_procs: int | None
    kernel_user: str | None
    sandboxed: bool
    handout: bool
    policy: GradingPolicy
    trusted: tuple[str, ...]
    split: str | None


def grade_isolated(
    course: Path,
    dirs: dict,
    student: str,
    run: RunSettings,
    log_dir: Path,
    gb_lock: Path,
    fork: bool = False,
) -> tuple[Result, SandboxConfig]:
    """Grade one student of ``course`` in a private folder (short: unix socket paths are limited
    to ~100 bytes) that holds the kernelspecs, sockets, the launcher's report file, the config and
    a fresh guard token; removed afterwards. Returns the result and the kernel's sandbox
    configuration. ``fork``: as :func:`grade_student`'s."""
    ipc = Path(tempfile.mkdtemp(prefix="ag-"))
    try:
        sandbox.write_kernelspec(ipc / "share", run.sandboxed)
        write_trusted_kernelspec(ipc / "share")
        extra = write_extra_config(ipc, ipc / "sock")
        # unsandboxed kernels start without the launcher: no limits (sandboxed=False says so)
        box = sandbox.box_config(
            ipc,
            **course_view(course, run.handout, run.assignment),
            assignment=run.assignment,
            cpu_seconds=run.cpu_seconds,
            memory_bytes=run.memory_bytes,
            file_bytes=run.file_bytes,
            max_procs=run.max_procs,
            kernel_user=run.kernel_user,
            sandboxed=run.sandboxed,
        )
        env = _env(
            {
                CONFIG_ENV: str(extra),
                "JUPYTER_PATH": str(ipc / "share"),
                "JUPYTER_RUNTIME_DIR": str(ipc),
                GUARD_ENV: guard_config(run.policy, list(run.trusted)).to_json(),
                SANDBOX_ENV: box.to_json(),
                gblock.LOCK_ENV: str(gb_lock),
            }
        )
        if run.split is not None:
            env[SPLIT_ENV] = run.split
        r = grade_student(
            course,
            run.assignment,
            student,
            env,
            dirs,
            run.per_student_timeout,
            log_dir,
            box,
            run.policy,
            fork=fork,
        )
    finally:
        shutil.rmtree(ipc, ignore_errors=True)
    return r, box


def course_view(course: Path, handout: bool | None, assignment: str | None = None) -> dict:
    """What of the course the grading kernel sees, as :func:`autograder.sandbox.box_config`'s
    ``hide``/``readonly``/``handout`` arguments: the course's packages read-only (``convkit`` as
    its handout copy when ``handout``, default :func:`autograder.handout.default_handout`); the
    course folder, ``solutions/``, ``tests/`` and ``.git`` hidden in case a system path holds
    them. Nothing else of the file system is mounted (:func:`autograder.bwrap.bwrap_args`)."""
    from autograder.handout import default_handout

    hide = [str(course)] + [str(REPO / d) for d in ("solutions", ".git", "tests")]
    readonly = [str(REPO / pkg) for pkg in ("convkit", "convgrade", "autograder")]
    return {
        "hide": hide,
        "readonly": readonly,
        "handout": default_handout(assignment) if handout is None else bool(handout),
    }


def grade(
    assignment: str,
    course: Path = Path("."),
    *,
    allow_unsandboxed: bool = False,
    per_student_timeout: int = 1800,
    cpu_seconds: int = 1800,
    memory_bytes: int = 8 << 30,
    file_bytes: int = 200 << 20,
    max_procs: int | None = None,
    kernel_user: str | None = None,
    csv_path: Path | None = None,
    feedback: bool = True,
    handout: bool | None = None,
    similarity: bool = True,
    jobs: int | None = 1,
    force: bool = False,
    progress_bar: bool | None = None,
    scheduler: str | None = None,
    client=None,
    out=sys.stdout,
) -> list[Result]:
    """Grade every submission of ``assignment`` in the nbgrader course folder ``course``.

    Students are graded ``jobs`` at a time (results in sorted order), each in its own
    ``nbgrader autograde``
    process with the sandboxed, guarded kernel; the assignment's :class:`convgrade.GradingPolicy`
    (``<source>/<assignment>/grading.json`` over the defaults) decides what the scan flags and the
    guard forbids. Prints one line per student and a summary to ``out``, writes the CSV and (with
    ``feedback``) each graded student's feedback.

    Args:
        assignment: the assignment's name (its folder under the course's source directory).
        course: the course folder (with ``nbgrader_config.py``).
        allow_unsandboxed: grade without bubblewrap when it cannot start (student code then runs
            with the grader's rights); otherwise that refuses to grade.
        per_student_timeout: wall-clock seconds for one student's ``nbgrader autograde``.
        cpu_seconds, memory_bytes, file_bytes, max_procs: the grading kernel's resource limits
            (``max_procs`` ``None``: :func:`autograder.config.default_max_procs`).
        kernel_user: when grading as root, the unprivileged user the kernel runs as.
        csv_path: where to write the CSV (default ``<course>/grades-<assignment>.csv``).
        feedback: write feedback pages without the hidden tests.
        handout: the kernel sees only the assignment's handout copy of convkit, no reference
            (:mod:`autograder.handout`); ``None``: on when the assignment has a handout list.
            The test cells always run in a trusted kernel outside the sandbox
            (:mod:`autograder.twoprocess`).
        similarity: compare the answer cells with the reference and between students
            (:func:`flag_similar`).
        jobs: students graded at once, each in its own nbgrader process, sandbox and kernels
            (``None``: the number of cores, :func:`autograder.parallel.default_jobs`); a student
            whose result may depend on those graded beside them (:func:`may_owe_to_neighbours`)
            is graded again alone once the others are done, so the grades are those of
            ``jobs=1``.
        force: regrade everyone; otherwise a student whose submission, assignment source and
            settings are unchanged since a recorded run keeps that result
            (:mod:`autograder.resume`).
        progress_bar: a tqdm bar (``None``: when ``out`` is a terminal); plain lines otherwise.
        scheduler: the address of a Dask scheduler (``tcp://host:port`` or a scheduler file):
            each student is graded on one of its workers (:mod:`autograder.dask_grading`;
            ``jobs`` is then unused), this process keeps the gradebook, CSV and feedback.
        client: a connected ``distributed.Client`` to grade on instead of ``scheduler``.
        out: where progress and the summary go.

    Returns:
        one :class:`Result` per student, in sorted order.

    Raises:
        GradingError: no source folder for the assignment, an invalid ``grading.json``, or
            ``nbgrader generate_assignment`` failed.
        SandboxRefused: the sandbox cannot start and ``allow_unsandboxed`` is false.
        ValueError: a limit that is not positive or a ``kernel_user`` that cannot be used.
    """
    if scheduler is not None and client is None:  # grade on the cluster, then disconnect
        args = dict(locals())  # the parameters (nothing else is bound yet)
        from autograder import dask_grading

        with dask_grading.connect(scheduler) as connected:
            return grade(**dict(args, client=connected))
    course = Path(course).resolve()
    dirs = course_dirs(course)
    if not (dirs["source"] / assignment).is_dir():
        raise GradingError(f"no source folder {dirs['source'] / assignment}")
    try:
        policy = load_policy(dirs["source"] / assignment)
    except ValueError as err:
        raise GradingError(f"invalid grading policy: {err}") from err

    def say(*args: object) -> None:
        print(*args, file=out, flush=True)

    if client is None:
        with profiling.phase("class: can bubblewrap start (sandbox.check, once)"):
            problem = sandbox.check()
    else:  # the kernels run on the workers: their bubblewrap counts
        from autograder import dask_grading

        problems = dask_grading.worker_sandbox_problems(client)
        problem = "; ".join(f"on worker {w}: {why}" for w, why in sorted(problems.items()))
        problem = problem or None
    sandboxed = problem is None
    if problem:
        banner = "!" * 78
        if not allow_unsandboxed:
            say(
                f"{banner}\nREFUSING TO GRADE: the grading sandbox cannot start.\n  {problem}\n"
                "Student code would run with your file rights and could read solutions/ "
                "and the gradebook.\n"
                "Install bubblewrap, or rerun with --allow-unsandboxed if you accept that risk."
                f"\n{banner}"
            )
            raise SandboxRefused("the grading sandbox cannot start: " + problem)
        say(
            f"{banner}\nWARNING: GRADING WITHOUT A SANDBOX ({problem}).\n"
            "Student code can read solutions/ and the gradebook and write anywhere you can."
            f"\n{banner}"
        )
    students = sorted(
        p.parent.name for p in dirs["submitted"].glob(f"*/{assignment}") if p.is_dir()
    )
    say(
        f"grading {assignment}: {len(students)} submission(s) in {dirs['submitted']} "
        f"({'sandboxed' if sandboxed else 'UNSANDBOXED'})"
        + (f" on the Dask cluster at {client.scheduler.address}" if client is not None else "")
    )

    work = course / ".autograder"
    log_dir = work / "logs" / assignment
    log_dir.mkdir(parents=True, exist_ok=True)
    # The gradebook learns the assignment (and its hidden tests) from the source.
    with profiling.phase("class: nbgrader generate_assignment (once)"):
        # without Dask, from the fork server the students' processes come from
        fork = client is None
        rc, gen_out = _run_nbgrader(
            ["generate_assignment", assignment, "--force"],
            course,
            _env({}),
            log_dir / "generate_assignment.log",
            3600 if fork else None,
            fork,
        )
    if rc != 0:
        raise GradingError(f"nbgrader generate_assignment failed:\n{gen_out[-6000:]}")

    with profiling.phase("class: hashes of the instructor's cells, split config (once)"):
        trusted = trusted_hashes(dirs["source"] / assignment, dirs["release"] / assignment)
        view = course_view(course, handout, assignment)
        split = split_config(sorted((dirs["source"] / assignment).glob("*.ipynb"))).to_json()
    gb_lock = work / "gradebook.lock"
    settings = dict(
        cpu_seconds=cpu_seconds, memory_bytes=memory_bytes, file_bytes=file_bytes,
        max_procs=max_procs, kernel_user=kernel_user, two_process=True,  # old runs still match
        handout=view["handout"],
        sandboxed=sandboxed, policy=dataclasses.asdict(policy) if dataclasses.is_dataclass(policy)
        else repr(policy),
    )  # fmt: skip
    state = resume.State(work / "state" / f"{assignment}.json")
    source_fp = resume.tree_hash(dirs["source"] / assignment)
    fps = {
        s: resume.fingerprint(dirs["submitted"] / s / assignment, source_fp, settings)
        for s in students
    }
    kept: dict[str, Result] = {}
    if not force:
        for s in students:
            old = state.lookup(s, fps[s])
            graded = dirs["autograded"] / s / assignment
            # kept: what does not depend on the machine (a student who ran out of wall-clock
            # time, or hit the per-user process limit that concurrent kernels share, or met a
            # grader error, or whose task failed on a Dask cluster, is graded again)
            if (
                old is not None
                and (old.get("status") in ("invalid", "crashed") or graded.is_dir())
                and not any(
                    "did not finish within" in r
                    or "process limit" in r
                    or r.startswith("grader error:")  # trusted_setup_notes
                    or r.startswith("on the Dask cluster: ")  # dask_grading.FAILED
                    for r in old.get("reasons", [])
                )
            ):
                kept[s] = Result(**old)
    todo = [s for s in students if s not in kept]
    if kept:
        say(
            f"resuming: {len(kept)} student(s) already graded on the same submission, "
            f"source and settings are kept ({', '.join(sorted(kept))}); grading {len(todo)} "
            "(--force regrades everyone)"
        )

    run = RunSettings(
        assignment=assignment, per_student_timeout=per_student_timeout, cpu_seconds=cpu_seconds,
        memory_bytes=memory_bytes, file_bytes=file_bytes, max_procs=max_procs,
        kernel_user=kernel_user, sandboxed=sandboxed,
        handout=bool(view["handout"]), policy=policy, trusted=tuple(trusted), split=split,
    )  # fmt: skip
    announced: list = []

    def announce(box: SandboxConfig) -> None:
        if announced:
            return
        announced.append(box)
        say(
            f"the kernel sees {'the handout copy' if box.handout else 'all'} of convkit"
            + (
                f" ({assignment!r} has no list in autograder.handout.HANDOUT)"
                if not box.handout and handout is None
                else ""
            )
            + (f"; pretrained weights from {sandbox.WEIGHTS_DIR}" if box.setenv else "")
        )

    def grade_one(student: str) -> Result:
        r, box = grade_isolated(course, dirs, student, run, log_dir, gb_lock, fork=True)
        announce(box)
        return r

    bar = progress.Progress(len(students), out, bar=progress_bar, desc=assignment)

    def done(student: str, r: Result) -> None:
        scored = r.score is not None and r.status in ("graded", "timeout")
        score = f"{r.score:g}/{r.max_score:g}" if scored else "-"
        flagged = " FLAGGED" if r.flagged else ""
        again = " (kept from an earlier run)" if student in kept else ""
        bar.student(student, f"{r.status}{flagged} {score}{again}")
        if student not in kept:  # here, not in the worker: nothing is recorded after a Ctrl-C
            state.record(
                student, fps[student], dict(dataclasses.asdict(r), flags=[str(f) for f in r.flags])
            )

    try:
        for s in students:
            if s in kept:
                done(s, kept[s])
        if client is None:
            n_jobs = jobs or parallel.default_jobs()
            again: list[str] = []

            def first_pass(student: str, r: Result) -> None:
                if n_jobs > 1 and may_owe_to_neighbours(r):
                    again.append(student)  # recorded and shown after the second pass
                else:
                    done(student, r)

            graded_now = parallel.run_all(todo, grade_one, n_jobs, first_pass)
            if again:
                say(
                    f"grading {len(again)} student(s) again, one at a time, whose result may "
                    f"depend on the students graded beside them: {', '.join(sorted(again))}"
                )
                graded_now.update(parallel.run_all(sorted(again), grade_one, 1, done))
        else:
            from autograder import dask_grading

            graded_now = dask_grading.run_all(
                client, course, dirs, run, todo, log_dir, gb_lock, done
            )
    finally:
        bar.close()
        if client is None:
            from autograder import nbfork

            nbfork.stop()
    results = [kept[s] if s in kept else graded_now[s] for s in students]

    if feedback:
        from autograder.feedback import write_feedback

        for r in results:
            if r.status in ("graded", "timeout") and r.student not in kept:
                with profiling.phase("student: feedback page"):
                    write_feedback(course, assignment, r.student, dirs)
    if similarity:
        with profiling.phase("class: similarity check (once)"):
            flag_similar(course, assignment, dirs, results, say)
    csv_path = Path(csv_path) if csv_path else course / f"grades-{assignment}.csv"
    write_csv(results, csv_path)
    say(summary(results))
    say(f"CSV: {csv_path}")
    return results


def flag_similar(course: Path, assignment: str, dirs: dict, results: list[Result], say) -> None:
    """Flag answer cells that match the reference or another student's
    (:mod:`autograder.similarity`): the ``similar`` column, a flag with its reason, and
    ``similarity-<assignment>.md`` for review. Never changes a score; a failure of the check is
    reported, not raised."""
    from autograder import similarity

    try:
        report = similarity.check_course(course, assignment, dirs, [r.student for r in results])
    except Exception as err:  # the grades stand without it
        say(f"similarity check failed: {type(err).__name__}: {err}")
        return
    for r in results:
        r.similar = report.items(r.student)
        reason = report.reason(r.student)
        if reason:
            r.flags.append(reason)
    who = sorted({m.student for m in report.matches})
    say(
        f"similarity: {len(who)} student(s) flagged in {report.seconds:.1f} s; "
        f"review {course / f'similarity-{assignment}.md'}"
    )


def write_csv(results, path: Path) -> None:
    with open(path, "w", newline="") as fh:
        w = csv.DictWriter(fh, CSV_FIELDS, lineterminator="\n")
        w.writeheader()
        for r in sorted(results, key=lambda r: r.student):
            w.writerow(r.row())


def summary(results) -> str:
    lines = ["summary:"]
    for status in STATUSES:
        who = [r.student for r in results if r.status == status]
        lines.append(f"  {status:8s} {len(who):3d}  {', '.join(who)}")
    who = [r.student for r in results if r.flagged]
    lines.append(f"  {'flagged':8s} {len(who):3d}  {', '.join(who)}")
    for r in results:
        for reason in r.reasons + [str(f) for f in r.flags]:
            lines.append(f"    {r.student}: {reason}")
    return "\n".join(lines)
