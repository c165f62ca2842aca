"""The kernel launcher: ``python -m autograder.launcher -f <connection file>``.

The grading kernelspec (:func:`autograder.sandbox.write_kernelspec`) starts every kernel through
this program. It reads the :class:`SandboxConfig` from :data:`~autograder.config.SANDBOX_ENV`,
sets the resource limits (:func:`set_limits`), prepares the kernel's user when grading as root
(:func:`prepare_dropped`), runs ``bwrap ... python -m autograder.kernel`` (argv from
:mod:`autograder.bwrap`), waits for it and reports an abnormal end (:mod:`autograder.reports`).
"""

from __future__ import annotations

import contextlib
import os
import resource
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from autograder.bwrap import bwrap_args, drop_args
from autograder.config import CPU_GRACE_S, SANDBOX_ENV, SandboxConfig
from autograder.reports import explain_exit, write_report
from autograder.sandbox import bwrap_path, bwrap_supports_size, setpriv_path

__all__ = ["main", "set_limits"]


def count_tasks(uid: int) -> int:
    """Processes and threads of ``uid`` now (what RLIMIT_NPROC counts)."""
    n = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status") as fh:
                uid_line = threads = None
                for line in fh:
                    if line.startswith("Uid:"):
                        uid_line = line.split()[1]
                    elif line.startswith("Threads:"):
                        threads = int(line.split()[1])
                        break
        except (OSError, ValueError):
            continue
        if uid_line == str(uid) and threads:
            n += threads
    return n


def set_limits(cfg: SandboxConfig, nproc: int | None = None) -> None:
    """The kernel's resource limits (run in the child before it starts bwrap)."""
    cpu, mem, fsize = cfg.cpu_seconds, cfg.memory_bytes, cfg.file_bytes
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + CPU_GRACE_S))
    resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
    resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if nproc is not None:
        resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))


def chown_tree(path, uid: int, gid: int) -> None:
    """``chown -R`` without following symbolic links."""
    path = str(path)
    if not os.path.lexists(path):
        return
    os.chown(path, uid, gid, follow_symlinks=False)
    for root, dirs, files in os.walk(path):
        for name in dirs + files:
            with contextlib.suppress(FileNotFoundError):
                os.chown(os.path.join(root, name), uid, gid, follow_symlinks=False)


def prepare_dropped(cfg: SandboxConfig, cwd: str, conn: str | None) -> str | None:
    """As root, before the kernel starts: a fresh socket folder and the working folder owned by the
    kernel's user, and a copy of the connection file it can read. Returns the copy's path."""
    uid, gid = cfg.uid, cfg.gid
    sock = cfg.sock
    assert uid is not None and gid is not None and sock is not None
    for entry in os.listdir(sock):  # what an earlier kernel left there
        p = os.path.join(sock, entry)
        if os.path.isdir(p) and not os.path.islink(p):
            shutil.rmtree(p, ignore_errors=True)
        else:
            os.unlink(p)
    os.chown(sock, uid, gid)
    os.chmod(sock, 0o700)
    chown_tree(cwd, uid, gid)
    if not conn:
        return None
    copy = os.path.join(sock, "connection-" + os.path.basename(conn))
    fd = os.open(copy, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(Path(conn).read_bytes())
    os.chown(copy, uid, gid)
    return copy


def _watch_parent(pid: int, done) -> None:
    """Kill the sandbox when this launcher's parent (nbgrader) goes away, e.g. killed by the class
    command's wall-clock limit: a kernel must not outlive the grading of its student."""
    parent = os.getppid()

    def watch():
        while not done.wait(1):
            if os.getppid() != parent:
                _signal_child(
                    pid, done, signal.SIGKILL
                )  # bwrap --die-with-parent takes the sandbox with it
                return

    threading.Thread(target=watch, daemon=True).start()


def _signal_child(pid: int, done, sig) -> None:
    if not done.is_set():  # not yet reaped, so the pid is still ours
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    cfg = SandboxConfig.from_json(os.environ[SANDBOX_ENV])
    cwd = os.getcwd()
    i = argv.index("-f") + 1 if "-f" in argv[:-1] else None
    conn = os.path.abspath(argv[i]) if i else None
    limit_uid = cfg.uid if cfg.uid is not None else os.getuid()
    nproc = count_tasks(limit_uid) + cfg.max_procs
    if cfg.uid is not None:
        kernel_conn = prepare_dropped(cfg, cwd, conn)
        bound_conn = None  # the copy lies in the socket folder, which is bound
    else:
        kernel_conn = bound_conn = conn
    if i:
        argv[i] = kernel_conn
    bwrap = cfg.bwrap or bwrap_path() or "bwrap"
    cfg = cfg.replace(bwrap=bwrap)
    cmd = (
        bwrap_args(cfg, cwd, bound_conn, supports_size=bwrap_supports_size(bwrap))
        + drop_args(cfg, cfg.setpriv or setpriv_path())
        + [sys.executable, "-m", "autograder.kernel", *argv]
    )
    prog = cmd[0] if os.path.isabs(cmd[0]) else shutil.which(cmd[0])
    if prog is None:
        raise FileNotFoundError(f"{cmd[0]}: not found on PATH")
    started = time.time()
    done = threading.Event()  # set once the child is reaped
    proc = subprocess.Popen([prog, *cmd[1:]], preexec_fn=lambda: set_limits(cfg, nproc))
    _watch_parent(proc.pid, done)
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, lambda s, _f: _signal_child(proc.pid, done, s))
    _, raw = os.waitpid(proc.pid, 0)  # retried on EINTR (PEP 475)
    done.set()
    proc.returncode = 0  # reaped here; keep Popen from waiting again
    status = os.waitstatus_to_exitcode(raw)
    status = 128 - status if status < 0 else status  # killed bwrap itself: as a shell would say it
    wall = time.time() - started
    entry = {
        "cwd": cwd,
        "status": status,
        "wall_seconds": round(wall, 2),
        "uid": cfg.uid if cfg.uid is not None else os.getuid(),
        "reason": explain_exit(cfg, status),
    }
    write_report(cfg, entry)
    if entry["reason"]:
        print(f"autograder.launcher: {entry['reason']}", file=sys.stderr, flush=True)
    sys.exit(status)


if __name__ == "__main__":
    main()
