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

It prints one line per student, a summary and writes ``grades-<assignment>.csv``. Nothing depends
on time or order of runs, so grading twice gives the same CSV.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from autograder import sandbox
from autograder.guard import source_hash
from convkit.grading import ALWAYS_ALLOWED, DEFAULT_FORBIDDEN

REPO = Path(__file__).resolve().parents[1]
STATUSES = ("graded", "timeout", "crashed", "invalid")
CSV_FIELDS = ["student_id", "status", "flagged", "score", "max_score", "reasons"]


@dataclasses.dataclass
class Result:
    student: str
    status: str = "graded"
    score: float | None = None
    max_score: float | None = None
    reasons: list = dataclasses.field(default_factory=list)
    flags: list = dataclasses.field(default_factory=list)

    @property
    def flagged(self) -> bool:
        return bool(self.flags)

    def row(self) -> dict:
        fmt = lambda v: "" if v is None else f"{v:g}"
        return {"student_id": self.student, "status": self.status, "flagged": "yes" if self.flagged else "no",
                "score": fmt(self.score) if self.status in ("graded", "timeout") else "",
                "max_score": fmt(self.max_score),
                "reasons": "; ".join(self.reasons + [str(f) for f in self.flags])}


def _meta(cell):
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def course_dirs(course: Path) -> dict:
    """Folder names as configured in the course's nbgrader_config.py (source may be ``solutions``)."""
    text = (course / "nbgrader_config.py").read_text() if (course / "nbgrader_config.py").exists() else ""
    source = "solutions" if 'source_directory = "solutions"' in text else "source"
    release = "exercises" if 'release_directory = "exercises"' in text else "release"
    return {"source": course / source, "release": course / release, "submitted": course / "submitted",
            "autograded": course / "autograded"}


def trusted_hashes(source_dir: Path, release_dir: Path) -> list[str]:
    """Hashes of the instructor's code cells: the locked ones (as the gradebook restores them, hidden
    tests included) and the free cells shipped in the release ("try it" cells), not the answers."""
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


#: Assignments whose answers legitimately build torch.nn models: only the reference package is
#: forbidden there (checked: their solutions get full marks with no violation).
TORCH_MODEL_ASSIGNMENTS = {"07-3d-convolution": ["convkit"], "09-lenet-to-resnet": ["convkit"],
                           "12-transfer-learning": ["convkit"]}


def guard_config(assignment_dir: Path, trusted: list[str]) -> dict:
    """Per-assignment guard settings: :data:`TORCH_MODEL_ASSIGNMENTS`, then ``autograder.json`` in the
    source folder may replace ``forbidden``/``allow`` (chapters whose answers legitimately use torch.nn)."""
    import secrets

    forbidden = TORCH_MODEL_ASSIGNMENTS.get(Path(assignment_dir).name, list(DEFAULT_FORBIDDEN))
    cfg = {"trusted": trusted, "forbidden": list(forbidden), "allow": list(ALWAYS_ALLOWED),
           "token": secrets.token_hex(16)}
    extra = assignment_dir / "autograder.json"
    if extra.exists():
        cfg.update({k: v for k, v in json.loads(extra.read_text()).items() if k in ("forbidden", "allow")})
    return cfg


def _env(extra: dict) -> dict:
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env["PYTHONPATH"] = str(REPO) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.setdefault("PYTHONHASHSEED", "0")
    env.update(extra)
    return env


def inspect_autograded(folder: Path) -> tuple[bool, list[str]]:
    """(timed_out, guard reasons) from the autograded notebooks of one student: the violations the
    guard reported (``nb.metadata["autograder"]``, written by :class:`autograder.execute.GuardedExecute`),
    one reason per distinct message with the cells it happened in."""
    import nbformat

    timed_out, reasons = False, {}
    for path in sorted(folder.glob("*.ipynb")):
        nb = nbformat.read(str(path), as_version=4)
        guard = nb.metadata.get("autograder", {})
        if guard.get("guard") != "on":
            reasons.setdefault(f"guard {guard.get('guard', 'missing')} in {path.name}: the kernel-side checks "
                               "did not report for the whole notebook", [])
        for v in guard.get("violations", []):
            where = v.get("grade_id") or f"cell {int(v.get('cell_index', -1)) + 1}"
            kind = str(v.get("kind", "violation")).replace("-", " ")
            reasons.setdefault(f"{kind}: {str(v.get('message', ''))[:300]}", []).append(where)
        for i, cell in enumerate(nb.cells, 1):
            for out in cell.get("outputs", []):
                if out.get("output_type") != "error":
                    continue
                if out.get("ename") == "CellTimeoutError" or "timed out" in out.get("evalue", "").lower():
                    timed_out = True
                if out.get("ename") == "ForbiddenCallError" and guard.get("guard") != "on":
                    where = _meta(cell).get("grade_id") or f"cell {i}"
                    reasons.setdefault(f"forbidden call: {out.get('evalue', '')[:300]}", []).append(where)
    flags = [f"{text} (in {', '.join(dict.fromkeys(cells))})" if cells else text for text, cells in reasons.items()]
    return timed_out, flags


def gradebook_scores(course: Path, assignment: str, student: str):
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        try:
            sub = gb.find_submission(assignment, student)
        except MissingEntry:
            return None, None
        return float(sub.score), float(sub.max_score)


def grade_student(course, assignment, student, env, dirs, per_student_timeout, log_dir) -> Result:
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
            nbformat.validate(nbformat.read(str(path), as_version=4))
        except Exception as err:  # NotJSONError, ValidationError, UnicodeDecodeError...
            res.status = "invalid"
            first = str(err).strip().splitlines()[0][:200] if str(err).strip() else ""
            res.reasons.append(f"{path.name} is not a valid notebook: {type(err).__name__}: {first}")
            continue
        try:
            res.flags += scan_notebook(path, dirs["release"] / assignment / path.name)
        except Exception as err:
            res.flags.append(f"{path.name}: the scan failed ({type(err).__name__}: {err})")
    graded_dir = dirs["autograded"] / student / assignment
    if res.status == "invalid":
        shutil.rmtree(graded_dir, ignore_errors=True)
        return res
    cmd = [sys.executable, "-m", "nbgrader", "autograde", assignment, "--student", student, "--force"]
    try:
        proc = subprocess.run(cmd, cwd=course, env=env, capture_output=True, text=True, timeout=per_student_timeout)
        rc, log = proc.returncode, proc.stdout + proc.stderr
    except subprocess.TimeoutExpired as err:
        rc, log = None, f"{err}\n{err.stdout or ''}{err.stderr or ''}"
    (log_dir / f"{student}.log").write_text(log if isinstance(log, str) else str(log))
    box = json.loads(env.get("AUTOGRADER_SANDBOX", "{}"))
    kernel_reasons = [e["reason"] for e in sandbox.take_reports(box) if e.get("reason")]
    sandbox.restore_owner(graded_dir, box)  # the kernel's user owned its working folder
    if rc is None:
        res.status = "crashed"
        res.reasons += [f"grading did not finish within {per_student_timeout} s"] + kernel_reasons
        shutil.rmtree(graded_dir, ignore_errors=True)
        return res
    if rc != 0 or not graded_dir.is_dir() or not list(graded_dir.glob("*.ipynb")):
        res.status = "crashed"
        why = "kernel died" if ("DeadKernel" in log or "Kernel died" in log or "kernel died" in log) else "nbgrader failed"
        res.reasons += [f"{why} (exit {rc}); see {log_dir.name}/{student}.log"] + kernel_reasons
        return res
    timed_out, forbidden = inspect_autograded(graded_dir)
    if timed_out:
        res.status = "timeout"
        res.reasons.append("a cell exceeded the time limit (it scores 0, later cells were graded)")
    res.flags += forbidden
    res.reasons += kernel_reasons + sandbox.limit_reasons(graded_dir, box)
    res.score, res.max_score = gradebook_scores(course, assignment, student)
    return res


def write_extra_config(folder: Path, kernel_ipc: Path) -> Path:
    path = folder / "autograder_config.py"
    path.write_text(
        "# written by python -m autograder; loaded from nbgrader_config.py via AUTOGRADER_CONFIG\n"
        "from autograder.execute import autograde_preprocessors\n"
        "from autograder.preprocessors import ClipOutput\n"
        "# nbgrader's pipeline with GuardedExecute (the guard's report after every cell) and ClipOutput\n"
        "c.Autograde.autograde_preprocessors = autograde_preprocessors(extra_after_execute=[ClipOutput])\n"
        f"c.Execute.kernel_name = {sandbox.KERNEL_NAME!r}\n"
        "c.KernelManager.transport = 'ipc'\n"
        f"c.KernelManager.ip = {str(kernel_ipc / 'kernel')!r}\n"
    )
    return path


def grade(assignment: str, course: Path = Path("."), *, allow_unsandboxed: bool = False,
          per_student_timeout: int = 1800, cpu_seconds: int = 1800, memory_bytes: int = 8 << 30,
          file_bytes: int = 200 << 20, max_procs: int | None = None, kernel_user: str | None = None,
          csv_path: Path | None = None, feedback: bool = True, out=sys.stdout) -> list[Result]:
    course = Path(course).resolve()
    dirs = course_dirs(course)
    if not (dirs["source"] / assignment).is_dir():
        raise SystemExit(f"error: no source folder {dirs['source'] / assignment}")
    say = lambda *a: print(*a, file=out, flush=True)
    problem = sandbox.check()
    sandboxed = problem is None
    if problem:
        banner = "!" * 78
        if not allow_unsandboxed:
            say(f"{banner}\nREFUSING TO GRADE: the grading sandbox cannot start.\n  {problem}\n"
                "Student code would run with your file rights and could read solutions/ and the gradebook.\n"
                f"Install bubblewrap, or rerun with --allow-unsandboxed if you accept that risk.\n{banner}")
            raise SystemExit(2)
        say(f"{banner}\nWARNING: GRADING WITHOUT A SANDBOX ({problem}).\n"
            f"Student code can read solutions/ and the gradebook and write anywhere you can.\n{banner}")
    students = sorted(p.parent.name for p in dirs["submitted"].glob(f"*/{assignment}") if p.is_dir())
    say(f"grading {assignment}: {len(students)} submission(s) in {dirs['submitted']} "
        f"({'sandboxed' if sandboxed else 'UNSANDBOXED'})")

    # The gradebook learns the assignment (and its hidden tests) from the source.
    proc = subprocess.run([sys.executable, "-m", "nbgrader", "generate_assignment", assignment, "--force"],
                          cwd=course, env=_env({}), capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"error: nbgrader generate_assignment failed:\n{proc.stdout[-2000:]}{proc.stderr[-4000:]}")

    work = course / ".autograder"
    log_dir = work / "logs" / assignment
    log_dir.mkdir(parents=True, exist_ok=True)
    ipc = Path(tempfile.mkdtemp(prefix="ag-"))  # short: unix socket paths are limited to ~100 bytes
    try:
        sandbox.write_kernelspec(ipc / "share", sandboxed)
        extra = write_extra_config(ipc, ipc / "sock")
        trusted = trusted_hashes(dirs["source"] / assignment, dirs["release"] / assignment)
        guard = guard_config(dirs["source"] / assignment, trusted)
        hide = [str(course), str(REPO / "solutions"), str(REPO / ".git"), str(REPO / "tests")]
        readonly = [sys.prefix, str(REPO / "convkit"), str(REPO / "autograder")]
        box = sandbox.box_config(ipc, hide=hide, readonly=readonly, cpu_seconds=cpu_seconds, memory_bytes=memory_bytes,
                                 file_bytes=file_bytes, max_procs=max_procs, kernel_user=kernel_user)
        box["sandboxed"] = sandboxed  # unsandboxed kernels start without the launcher: no limits
        env = _env({"AUTOGRADER_CONFIG": str(extra), "JUPYTER_PATH": str(ipc / "share"),
                     "JUPYTER_RUNTIME_DIR": str(ipc), "AUTOGRADER_GUARD": json.dumps(guard),
                     "AUTOGRADER_SANDBOX": json.dumps(box)})
        results = []
        for n, student in enumerate(students, 1):
            r = grade_student(course, assignment, student, env, dirs, per_student_timeout, log_dir)
            results.append(r)
            score = f"{r.score:g}/{r.max_score:g}" if r.score is not None and r.status in ("graded", "timeout") else "-"
            say(f"[{n}/{len(students)}] {student}: {r.status}{' FLAGGED' if r.flagged else ''} {score}")
    finally:
        shutil.rmtree(ipc, ignore_errors=True)

    if feedback:
        from autograder.feedback import write_feedback

        for r in results:
            if r.status in ("graded", "timeout"):
                write_feedback(course, assignment, r.student, dirs)
    csv_path = Path(csv_path) if csv_path else course / f"grades-{assignment}.csv"
    write_csv(results, csv_path)
    say(summary(results))
    say(f"CSV: {csv_path}")
    return results


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
