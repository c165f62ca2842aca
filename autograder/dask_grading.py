"""Grade a class on a Dask cluster: ``python -m autograder grade <assignment> --scheduler ADDRESS``.

The process that runs the command (the *coordinator*) does what it does for a local run: checks,
``nbgrader generate_assignment``, the scan's and the guard's settings, resume, progress, feedback,
the similarity check, the CSV and the summary, and it alone writes the course's gradebook. What
differs is where each student is graded: one ``Client.submit`` per student on the cluster's
workers (``dask.distributed``), results taken with ``as_completed`` as they finish. A worker grades
a student exactly as a local run does (:func:`autograder.batch.grade_isolated`: its own
``nbgrader autograde`` process, sandbox, kernels and guard token), in a private copy of the course
made from what travels with the task.

**What travels.** To the worker, once per worker (a scattered :class:`Kit`): the course's
``nbgrader_config.py``, the assignment's source and release folders, and a gradebook that holds
only the assignment (made by ``nbgrader generate_assignment`` in a scratch course); with each task,
the student's submitted files. Back to the coordinator (:class:`Outcome`): the
:class:`~autograder.batch.Result`, the nbgrader log, the autograded folder's files and the grades
nbgrader recorded for the student (:func:`gradebook_record`), which the coordinator writes into its
gradebook (:func:`merge_record`) as ``nbgrader autograde`` would have. So the course folder need
not be shared with the workers; the *code* must be the same: every worker runs this repository's
environment at the same version (on Slurm, simply the same checkout on the shared filesystem) and
has bubblewrap. A worker whose ``convkit``/``convgrade``/``autograder`` differ from the
coordinator's refuses the task.

**Concurrency** is Dask's: a worker grades as many students at once as it has threads
(``dask worker --nthreads``; each student needs about one core). **Failures**: a task that raises
(a worker without bubblewrap, a full disk) or whose worker dies more often than the scheduler
allows (``KilledWorker``) gives that student a ``crashed`` row whose reason starts with
:data:`FAILED` and names what happened; the others go on, and the next run grades that student
again.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import os
import shutil
import socket
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path

from autograder import batch, gblock, resume, sandbox
from autograder.errors import GradingError

__all__ = [
    "Kit",
    "Outcome",
    "code_hash",
    "connect",
    "gradebook_record",
    "make_kit",
    "merge_record",
    "run_all",
    "worker_sandbox_problems",
]

#: seconds the coordinator waits for the scheduler and for its first worker
CONNECT_TIMEOUT = 120
#: how the reason of a student whose task failed begins (the machine's fault, not the
#: student's: resume grades that student again, :func:`autograder.batch.grade`)
FAILED = "on the Dask cluster: "


@functools.cache
def code_hash() -> str:
    """A hash of the course's packages as this process sees them (convkit, convgrade, autograder):
    the grades depend on them, so coordinator and workers must agree."""
    h = hashlib.sha256()
    for pkg in ("convkit", "convgrade", "autograder"):
        h.update(f"{pkg}:{resume.tree_hash(batch.REPO / pkg)}\n".encode())
    return h.hexdigest()


def _files(folder: Path) -> dict[str, bytes]:
    """The files under ``folder`` by relative path (nothing when it does not exist)."""
    folder = Path(folder)
    if not folder.is_dir():
        return {}
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts and ".ipynb_checkpoints" not in p.parts
    }


def _write_files(folder: Path, files: dict[str, bytes]) -> None:
    for rel, data in files.items():
        path = Path(folder) / rel
        if ".." in Path(rel).parts or Path(rel).is_absolute():
            raise ValueError(f"files: unsafe relative path {rel!r}")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


@dataclasses.dataclass(frozen=True)
class Kit:
    """The course as a worker needs it to grade one assignment (see the module docstring)."""

    assignment: str
    config: bytes  # nbgrader_config.py
    dir_names: dict  # course_dirs' folder names relative to the course: source, release, ...
    source: dict  # files of <source>/<assignment>/
    release: dict  # files of <release>/<assignment>/
    gradebook: bytes  # a gradebook.db that knows only the assignment
    code: str  # code_hash() of the coordinator


def make_kit(course: Path, dirs: dict, assignment: str) -> Kit:
    """The :class:`Kit` of ``assignment`` from the course folder ``course`` (after
    ``generate_assignment``): the gradebook is made by ``nbgrader generate_assignment`` in a
    scratch copy of the course's configuration and source.

    Raises:
        GradingError: ``generate_assignment`` failed in the scratch course.
    """
    import subprocess
    import sys

    course = Path(course)
    names = {key: Path(path).relative_to(course).as_posix() for key, path in dirs.items()}
    config = (course / "nbgrader_config.py").read_bytes()
    source = _files(dirs["source"] / assignment)
    with tempfile.TemporaryDirectory(prefix="ag-kit-") as tmp:
        scratch = Path(tmp)
        (scratch / "nbgrader_config.py").write_bytes(config)
        _write_files(scratch / names["source"] / assignment, source)
        proc = subprocess.run(
            [sys.executable, "-m", "nbgrader", "generate_assignment", assignment, "--force"],
            cwd=scratch,
            env=batch._env({}),
            capture_output=True,
            text=True,
        )
        if proc.returncode != 0:
            raise GradingError(
                "nbgrader generate_assignment failed for the workers' gradebook:\n"
                f"{proc.stdout[-2000:]}{proc.stderr[-4000:]}"
            )
        gradebook = (scratch / "gradebook.db").read_bytes()
    return Kit(
        assignment=assignment,
        config=config,
        dir_names=names,
        source=source,
        release=_files(dirs["release"] / assignment),
        gradebook=gradebook,
        code=code_hash(),
    )


@dataclasses.dataclass
class Outcome:
    """What a worker sends back for one student."""

    result: batch.Result
    worker: str
    log: str | None  # nbgrader's log (None: nbgrader did not run)
    autograded: dict  # files of autograded/<student>/<assignment>/
    record: dict | None  # gradebook_record() (None: no submission in the gradebook)


def gradebook_record(db: Path, assignment: str, student: str) -> dict | None:
    """What ``nbgrader autograde`` recorded for one student in the gradebook ``db``: the
    submission's timestamp and, per notebook, the late penalty, each grade's ``auto_score`` and
    ``needs_manual_grade`` and each comment's ``auto_comment``. None when there is no
    submission."""
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(f"sqlite:///{db}") as gb:
        try:
            sub = gb.find_submission(assignment, student)
        except MissingEntry:
            return None
        return {
            "timestamp": sub.timestamp,
            "notebooks": {
                nb.name: {
                    "late_submission_penalty": nb.late_submission_penalty,
                    "grades": {
                        g.name: {
                            "auto_score": g.auto_score,
                            "needs_manual_grade": g.needs_manual_grade,
                        }
                        for g in nb.grades
                    },
                    "comments": {c.name: c.auto_comment for c in nb.comments},
                }
                for nb in sub.notebooks
            },
        }


def merge_record(course: Path, assignment: str, student: str, record: dict, lock: Path) -> None:
    """Write a worker's :func:`gradebook_record` into the course's gradebook as
    ``nbgrader autograde`` writes its grades: the student and submission are created or updated,
    the automatic scores and comments replaced, manual scores kept (a grade with one still
    needs review, as nbgrader's ``SaveAutoGrades`` decides)."""
    from nbgrader.api import Gradebook
    from sqlalchemy.exc import SAWarning

    with (
        gblock.locked(lock),
        Gradebook(f"sqlite:///{Path(course) / 'gradebook.db'}") as gb,
        warnings.catch_warnings(),
    ):
        # nbgrader 0.9.6's add_submission warns "not in session" under SQLAlchemy 2 (its own
        # autograde logs say the same): noise here
        warnings.simplefilter("ignore", SAWarning)
        gb.update_or_create_student(student)
        kw = {"timestamp": record["timestamp"]} if record["timestamp"] is not None else {}
        gb.update_or_create_submission(assignment, student, **kw)
        for name, nb_record in record["notebooks"].items():
            nb = gb.find_submission_notebook(name, assignment, student)
            nb.late_submission_penalty = nb_record["late_submission_penalty"]
            for grade in nb.grades:
                got = nb_record["grades"].get(grade.name)
                if got is not None:
                    grade.auto_score = got["auto_score"]
                    grade.needs_manual_grade = bool(
                        got["needs_manual_grade"] or grade.manual_score is not None
                    )
            for comment in nb.comments:
                if comment.name in nb_record["comments"]:
                    comment.auto_comment = nb_record["comments"][comment.name]
        gb.db.commit()


def _sandbox_check() -> str | None:
    return sandbox.check()


def worker_sandbox_problems(client, timeout: float = CONNECT_TIMEOUT) -> dict[str, str]:
    """Wait for a first worker, then ask every connected worker whether bubblewrap can start
    there: ``{worker address: why not}`` for those where it cannot.

    Raises:
        GradingError: no worker joined within ``timeout`` seconds.
    """
    try:
        client.wait_for_workers(1, timeout=timeout)
    except TimeoutError as err:
        raise GradingError(f"no Dask worker joined the scheduler within {timeout:g} s") from err
    return {addr: p for addr, p in client.run(_sandbox_check).items() if p}


def grade_remote(kit: Kit, run: batch.RunSettings, student: str, files: dict) -> Outcome:
    """Grade one student on a worker (the task :func:`run_all` submits): a private course made
    from ``kit`` and the submitted ``files``, graded by :func:`autograder.batch.grade_isolated`,
    then removed."""
    try:
        from distributed import get_worker

        where = get_worker().address
    except (ImportError, ValueError):
        where = socket.gethostname()
    if kit.code != code_hash():
        raise GradingError(
            f"worker {where} runs other course code than the coordinator (convkit, convgrade, "
            "autograder differ): give every worker the same checkout"
        )
    if run.sandboxed and (problem := sandbox.check()):
        raise GradingError(f"the grading sandbox cannot start on worker {where}: {problem}")
    tmp = Path(tempfile.mkdtemp(prefix="ag-dask-"))
    try:
        course = tmp / "course"
        course.mkdir()
        (course / "nbgrader_config.py").write_bytes(kit.config)
        dirs = {key: course / name for key, name in kit.dir_names.items()}
        _write_files(dirs["source"] / kit.assignment, kit.source)
        _write_files(dirs["release"] / kit.assignment, kit.release)
        _write_files(dirs["submitted"] / student / kit.assignment, files)
        (course / "gradebook.db").write_bytes(kit.gradebook)
        log_dir = tmp / "logs" / kit.assignment  # the reasons name <assignment>/<student>.log
        log_dir.mkdir(parents=True)
        (course / ".autograder").mkdir()  # the gradebook's lock, as in a course folder
        lock = course / ".autograder" / "gradebook.lock"
        result, _ = batch.grade_isolated(course, dirs, student, run, log_dir, lock)
        log = log_dir / f"{student}.log"
        return Outcome(
            result=result,
            worker=where,
            log=log.read_text() if log.exists() else None,
            autograded=_files(dirs["autograded"] / student / kit.assignment),
            record=gradebook_record(course / "gradebook.db", kit.assignment, student),
        )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _apply(course: Path, dirs: dict, assignment: str, log_dir: Path, lock: Path, out: Outcome):
    """The coordinator's side of one :class:`Outcome`: the log, the autograded folder and the
    gradebook as a local run leaves them; the score as the course's gradebook has it."""
    r = out.result
    if out.log is not None:
        (log_dir / f"{r.student}.log").write_text(
            f"[graded on Dask worker {out.worker}]\n{out.log}"
        )
    graded = dirs["autograded"] / r.student / assignment
    shutil.rmtree(graded, ignore_errors=True)
    if out.autograded:
        _write_files(graded, out.autograded)
    if out.record is not None:
        merge_record(course, assignment, r.student, out.record, lock)
    if r.score is not None:  # a manual score in the course's gradebook counts, as locally
        r.score, r.max_score = batch.gradebook_scores(course, assignment, r.student)
    return r


def _failed(student: str, err: BaseException) -> batch.Result:
    from distributed import KilledWorker

    if isinstance(err, KilledWorker):
        why = (
            "the worker grading this student died (the scheduler gave up after its allowed "
            f"failures: {err})"
        )
    elif isinstance(err, GradingError):
        why = str(err)
    else:
        why = f"grading failed: {type(err).__name__}: {err}"
    return batch.Result(student, status="crashed", reasons=[(FAILED + why)[:500]])


def connect(address: str, timeout: float = CONNECT_TIMEOUT):
    """A ``distributed.Client`` of the scheduler at ``address`` (``tcp://host:port``, or a
    scheduler file's path).

    Raises:
        GradingError: the scheduler did not answer within ``timeout`` seconds.
    """
    from distributed import Client

    try:
        if os.path.isfile(address):
            return Client(scheduler_file=address, timeout=timeout)
        return Client(address, timeout=timeout)
    except (OSError, TimeoutError) as err:
        raise GradingError(f"cannot reach the Dask scheduler at {address}: {err}") from err


def run_all(
    client,
    course: Path,
    dirs: dict,
    run: batch.RunSettings,
    students: list[str],
    log_dir: Path,
    lock: Path,
    done: Callable[[str, batch.Result], None],
    *,
    task=grade_remote,
) -> dict[str, batch.Result]:
    """Grade ``students`` on the cluster of ``client``: one task per student (``task(kit, run,
    student, files)``, default :func:`grade_remote`), ``done(student, result)`` in this thread
    as each finishes. A task that fails gives a ``crashed`` result; an interrupt cancels the
    tasks. Returns the results by student."""
    from distributed import as_completed

    if not students:
        return {}
    kit = client.scatter(make_kit(course, dirs, run.assignment), hash=False)
    futures = {
        client.submit(
            task,
            kit,
            run,
            s,
            _files(dirs["submitted"] / s / run.assignment),
            key=f"autograde-{run.assignment}-{s}-{os.urandom(4).hex()}",
            pure=False,
        ): s
        for s in students
    }
    results: dict[str, batch.Result] = {}
    try:
        for fut in as_completed(futures):
            s = futures[fut]
            err = fut.exception()
            if err is not None:
                results[s] = _failed(s, err)
            else:
                try:
                    results[s] = _apply(course, dirs, run.assignment, log_dir, lock, fut.result())
                except Exception as apply_err:  # the student's row says so; the others go on
                    results[s] = batch.Result(
                        s,
                        status="crashed",
                        reasons=[
                            f"{FAILED}the coordinator could not record the worker's result: "
                            f"{type(apply_err).__name__}: {apply_err}"[:500]
                        ],
                    )
            done(s, results[s])
            fut.release()
    except BaseException:
        client.cancel(list(futures))
        raise
    return results
