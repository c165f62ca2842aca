"""The grading kernel's sandbox: bubblewrap, a kernelspec that uses it, and resource limits.

``write_kernelspec(folder, ...)`` writes ``<folder>/kernels/convkit-grader/kernel.json``; with
``JUPYTER_PATH=<folder>`` and ``--Execute.kernel_name=convkit-grader`` nbgrader starts every
notebook's kernel through ``python -m autograder.launcher`` (the *launcher*) which

* sets limits inherited by the kernel: CPU time (``RLIMIT_CPU``: ``SIGXCPU`` at the limit,
  ``SIGKILL`` 5 s later), address space (``RLIMIT_AS``: allocations beyond it raise
  ``MemoryError``), size of any file written (``RLIMIT_FSIZE``: ``OSError: File too large``),
  number of processes and threads (``RLIMIT_NPROC``: ``fork``/``Thread.start`` fail with
  ``Resource temporarily unavailable``), no core files;
* starts ``bwrap`` with an allowlist of mounts (:func:`autograder.bwrap.bwrap_args`): the
  system paths, the Python environment, the course's packages (``convkit`` as the assignment's
  handout copy in handout mode, :mod:`autograder.handout`), a copy of the pretrained-weights
  cache for the assignments that load it, this student's autograded folder (writable), the
  socket folder and a private ``/tmp``; nothing else of the host (``/home``, ``/root``, ``/srv``,
  another clone of the course, ``solutions/``, the gradebook, other students' files); no network,
  its own PID namespace, dying with its parent;
* runs :mod:`autograder.kernel` (ipykernel with the forbidden-call guard) inside, and waits for
  it: when the kernel ends abnormally (killed by a signal, the CPU-time limit...) the launcher
  appends what happened to a report file outside the sandbox (``SandboxConfig.report``), which the
  class command turns into the student's reason (:func:`autograder.reports.take_reports`).

**Who the kernel runs as.** When the grader is root, bwrap sets the sandbox up as root (no user
namespace) and the kernel is started through ``setpriv`` as an unprivileged user (``nobody`` by
default, ``--kernel-user``), with no supplementary groups, no capabilities and no-new-privs: it
cannot read root's files (``/etc/shadow``, ``/root``, 0600 files anywhere). Before it starts the
launcher gives that user the student's autograded folder (the kernel's working folder; the class
command gives it back afterwards, :func:`restore_owner`), the IPC socket folder and a copy of the
connection file; directories on the way to what the kernel needs (``/root`` on the way to
``/root/.pyenv``) are created empty and enterable (0755) in the sandbox. When the grader is not
root, bwrap runs unprivileged (a user namespace) and the kernel keeps the grader's uid: it can
read what the grader can of what is mounted, and the process limit counts the grader's own
processes (the limit is set to what that user already runs plus ``max_procs``).

Three details make ipykernel work in bwrap: the kernel talks over IPC sockets in a folder that is
bound into the sandbox (``KernelManager.transport=ipc`` with an absolute ``KernelManager.ip``),
``JPY_PARENT_PID`` is unset (the parent's PID means nothing in a new PID namespace) and the
kernelspec says ``"interrupt_mode": "message"`` so a timed-out cell can still be interrupted.

The launcher reads its settings from ``AUTOGRADER_SANDBOX`` (a :class:`SandboxConfig` as JSON, made
by :func:`box_config`) set by the batch command.

The parts: this module (finding bwrap, :func:`check`, :func:`box_config`, the kernelspec, giving
the grader its files back), :mod:`autograder.bwrap` (the command line, a pure function of the
config), :mod:`autograder.launcher` (limits, start, wait) and :mod:`autograder.reports` (what
happened to a kernel).
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from autograder.bwrap import bwrap_args, drop_args
from autograder.config import BWRAP_ENV, SandboxConfig, default_max_procs
from autograder.errors import SandboxUnavailable

__all__ = [
    "KERNEL_NAME",
    "WEIGHTS_DIR",
    "SandboxUnavailable",
    "box_config",
    "check",
    "kernel_identity",
    "restore_owner",
    "weights_copy",
    "write_kernelspec",
]

KERNEL_NAME = "convkit-grader"
REPO = Path(__file__).resolve().parents[1]
#: Where the kernel finds the copy of the pretrained-weights cache (``CONVKIT_CACHE``).
WEIGHTS_DIR = "/var/cache/convkit"


def weights_copy(dest: Path, source: Path | None = None) -> Path | None:
    """Copy the grader's cached pretrained weights (``pretrained-*.pt`` regular files of
    ``source``, default :func:`convkit.training.pretrain.cache_dir`; links and anything else are
    left out) to the new folder ``dest``, readable by everyone (0755/0644), so a kernel running
    as another user reads them instead of training again. Returns ``dest``, or ``None`` when
    there is nothing to copy."""
    import stat

    if source is None:
        from convkit.training.pretrain import cache_dir

        source = cache_dir()
    try:
        entries = sorted(Path(source).glob("pretrained-*.pt"))
    except OSError:
        return None
    files = [p for p in entries if stat.S_ISREG(os.lstat(p).st_mode)]
    if not files:
        return None
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    os.chmod(dest, 0o755)
    for path in files:
        shutil.copyfile(path, dest / path.name, follow_symlinks=False)
        os.chmod(dest / path.name, 0o644)
    return dest


def bwrap_path() -> str | None:
    return os.environ.get(BWRAP_ENV) or shutil.which("bwrap")


def setpriv_path() -> str | None:
    return shutil.which("setpriv")


def kernel_identity(user: str | None = None) -> tuple[int, int] | None:
    """(uid, gid) the kernel is dropped to, or None when the grader is not root (no drop).

    ``user``: a user name, ``uid`` or ``uid:gid`` (default ``nobody``). Root is refused."""
    if os.geteuid() != 0:
        if user not in (None, "", str(os.geteuid())):
            raise ValueError(
                f"kernel_user={user!r}: only root can run the grading kernel as another user"
            )
        return None
    user = user or "nobody"
    uid_s, _, gid_s = str(user).partition(":")
    if uid_s.isdigit():
        uid = int(uid_s)
        try:
            gid = pwd.getpwuid(uid).pw_gid
        except KeyError:
            gid = uid
    else:
        try:
            entry = pwd.getpwnam(uid_s)
        except KeyError:
            raise ValueError(
                f"kernel_user={user!r}: no such user (give a name from /etc/passwd or uid[:gid])"
            ) from None
        uid, gid = entry.pw_uid, entry.pw_gid
    if gid_s:
        if not gid_s.isdigit():
            raise ValueError(f"kernel_user={user!r}: the group must be a number (uid:gid)")
        gid = int(gid_s)
    if uid == 0 or gid == 0:
        raise ValueError(
            f"kernel_user={user!r}: the grading kernel must not run as root "
            "(uid and gid must be non-zero)"
        )
    return uid, gid


def box_config(
    work: Path,
    *,
    hide,
    readonly,
    cpu_seconds: int = 1800,
    memory_bytes: int = 8 << 30,
    file_bytes: int = 200 << 20,
    max_procs: int | None = None,
    kernel_user: str | None = None,
    sandboxed: bool = True,
    assignment: str | None = None,
    handout: bool = False,
    repo: Path = REPO,
) -> SandboxConfig:
    """The launcher's settings (``AUTOGRADER_SANDBOX``) for one class run whose private folder is
    ``work`` (not visible in the sandbox): IPC sockets go to ``work/sock`` (the only part bound in),
    the launcher's reports to ``work/kernels.jsonl``. ``sandboxed=False``: the kernel starts without
    the launcher (no limits are set; the reports then say so).

    With ``assignment`` given:

    * ``handout=True``: the kernel sees the assignment's handout copy of convkit instead of the
      whole package (:mod:`autograder.handout`): written to ``work/handout`` and bound read-only
      at ``repo/convkit`` (where the kernel's ``PYTHONPATH`` finds convkit), ``repo/convkit``
      leaves ``readonly``, and copies of convkit installed in the Python environment get the
      handout copy bound over them;
    * when its handout holds ``convkit.training.pretrain``, the pretrained weights the grader has
      cached are copied to ``work/weights`` (readable by the kernel's user) and bound read-only at
      :data:`WEIGHTS_DIR`, which ``CONVKIT_CACHE`` names in the kernel (:func:`weights_copy`).

    Raises:
        ValueError: a limit that is not positive, or a ``kernel_user`` that cannot be used.
        KeyError: ``handout`` is true and ``assignment`` has no entry in
            :data:`autograder.handout.HANDOUT`.
    """
    from autograder import handout as _handout

    ident = kernel_identity(kernel_user)
    sock = Path(work) / "sock"
    sock.mkdir(parents=True, exist_ok=True)
    hide, readonly = [str(p) for p in hide], [str(p) for p in readonly]
    mounts: list[tuple[str, str]] = []
    setenv: list[tuple[str, str]] = []
    if handout:
        if assignment is None:
            raise ValueError("handout=True needs the assignment")
        package = Path(repo) / _handout.PACKAGE
        copy = _handout.build(assignment, Path(work) / "handout", Path(repo))
        readonly = [p for p in readonly if os.path.realpath(p) != os.path.realpath(package)]
        mounts.append((str(copy), str(package)))
        # a copy installed in the environment (site-packages/convkit) gets the handout over it
        mounts += [(str(copy), str(p)) for p in _handout.installed_copies(Path(repo))]
    if assignment in _handout.HANDOUT and "convkit.training.pretrain" in (
        _handout.handout_modules(assignment, Path(repo))
    ):
        weights = weights_copy(Path(work) / "weights")
        if weights is not None:
            mounts.append((str(weights), WEIGHTS_DIR))
            setenv.append(("CONVKIT_CACHE", WEIGHTS_DIR))
    return SandboxConfig(
        hide=tuple(hide),
        readonly=tuple(readonly),
        mounts=tuple(mounts),
        setenv=tuple(setenv),
        handout=assignment if handout else None,
        writable=(str(sock),),
        sock=str(sock),
        report=str(Path(work) / "kernels.jsonl"),
        cpu_seconds=int(cpu_seconds),
        memory_bytes=int(memory_bytes),
        file_bytes=int(file_bytes),
        max_procs=int(max_procs if max_procs is not None else default_max_procs()),
        uid=ident[0] if ident else None,
        gid=ident[1] if ident else None,
        bwrap=bwrap_path(),
        sandboxed=sandboxed,
    )


def bwrap_supports_size(bwrap: str) -> bool:
    """Whether this bwrap knows ``--size`` (its ``--help`` lists it)."""
    try:
        proc = subprocess.run([bwrap, "--help"], capture_output=True, text=True, timeout=10)
        return "--size" in proc.stdout
    except (OSError, subprocess.TimeoutExpired):
        return False


def restore_owner(path, cfg: SandboxConfig) -> None:
    """Give the grader back what the kernel's user (``cfg.uid``) owns under ``path`` (no-op when
    the kernel was not dropped to another user). Only entries owned by that user are changed and no
    link is followed, so a link the kernel left cannot hand the grader's chown anything else."""
    uid = cfg.uid
    if uid is None or os.geteuid() != 0 or not os.path.isdir(path):
        return
    me = (os.geteuid(), os.getegid())
    for root, dirs, files in os.walk(path):
        for name in [""] + dirs + files:
            p = os.path.join(root, name) if name else root
            try:
                if os.lstat(p).st_uid == uid:
                    os.chown(p, *me, follow_symlinks=False)
            except FileNotFoundError:
                pass


def check(bwrap: str | None = None) -> str | None:
    """None when bubblewrap can start a sandbox here (as it will for the kernel), else why not."""
    bwrap = bwrap or bwrap_path()
    if not bwrap or not (os.path.exists(bwrap) or shutil.which(bwrap)):
        return "bubblewrap (bwrap) is not installed (Debian/Ubuntu: apt-get install bubblewrap)"
    folder = tempfile.mkdtemp(prefix="ag-check-")
    try:
        ident = kernel_identity(None)
        cfg = SandboxConfig(
            bwrap=bwrap, uid=ident[0] if ident else None, gid=ident[1] if ident else None
        )
        if ident:
            os.chown(folder, *ident)
        cmd = (
            bwrap_args(cfg, folder, supports_size=bwrap_supports_size(bwrap))
            + drop_args(cfg, setpriv_path())
            + [sys.executable, "-c", "pass"]
        )
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
    except (SandboxUnavailable, ValueError) as err:
        return str(err)
    except OSError as err:
        return f"bwrap could not be run: {err}"
    except subprocess.TimeoutExpired:
        return "bwrap did not finish a trivial command in 30 s"
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    if proc.returncode != 0:
        detail = proc.stderr.strip()[:300]
        if cfg.uid is not None:
            return (
                f"bwrap could not set up the sandbox as root and run Python in it as uid "
                f"{cfg.uid} (exit {proc.returncode}: {detail})"
            )
        return (
            f"bwrap cannot create a sandbox here (exit {proc.returncode}: {detail}); "
            "unprivileged user namespaces may be disabled "
            "(sysctl kernel.unprivileged_userns_clone / user.max_user_namespaces)"
        )
    return None


def write_kernelspec(folder: Path, sandboxed: bool) -> Path:
    """Write the grading kernelspec under ``folder/kernels``; returns its folder."""
    module = "autograder.launcher" if sandboxed else "autograder.kernel"
    spec = {
        "argv": [sys.executable, "-m", module, "-f", "{connection_file}"],
        "display_name": "convkit grader" + (" (sandboxed)" if sandboxed else " (UNSANDBOXED)"),
        "language": "python",
        "interrupt_mode": "message",
        "metadata": {"debugger": False},
    }
    kdir = Path(folder) / "kernels" / KERNEL_NAME
    kdir.mkdir(parents=True, exist_ok=True)
    (kdir / "kernel.json").write_text(json.dumps(spec, indent=1))
    return kdir
