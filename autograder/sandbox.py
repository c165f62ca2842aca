"""The grading kernel's sandbox: bubblewrap, a kernelspec that uses it, and resource limits.

``write_kernelspec(folder, ...)`` writes ``<folder>/kernels/convkit-grader/kernel.json``; with
``JUPYTER_PATH=<folder>`` and ``--Execute.kernel_name=convkit-grader`` nbgrader starts every
notebook's kernel through ``python -m autograder.sandbox`` (the *launcher*) which

* sets limits inherited by the kernel: CPU time (``RLIMIT_CPU``: ``SIGXCPU`` at the limit,
  ``SIGKILL`` 5 s later), address space (``RLIMIT_AS``: allocations beyond it raise
  ``MemoryError``), size of any file written (``RLIMIT_FSIZE``: ``OSError: File too large``),
  number of processes and threads (``RLIMIT_NPROC``: ``fork``/``Thread.start`` fail with
  ``Resource temporarily unavailable``), no core files;
* starts ``bwrap``: the whole file system read-only, the course folder (``solutions/``, the
  gradebook, other students' files) replaced by an empty tmpfs with only the Python environment,
  the course's packages and this student's autograded folder (writable) put back, a private
  ``/tmp``, no network, its own PID namespace, dying with its parent;
* runs :mod:`autograder.kernel` (ipykernel with the forbidden-call guard) inside, and waits for
  it: when the kernel ends abnormally (killed by a signal, the CPU-time limit...) the launcher
  appends what happened to a report file outside the sandbox (``cfg["report"]``), which the class
  command turns into the student's reason (:func:`take_reports`).

**Who the kernel runs as.** When the grader is root, bwrap sets the sandbox up as root (no user
namespace) and the kernel is started through ``setpriv`` as an unprivileged user (``nobody`` by
default, ``--kernel-user``), with no supplementary groups, no capabilities and no-new-privs: it
cannot read root's files (``/etc/shadow``, ``/root``, 0600 files anywhere). Before it starts the
launcher gives that user the student's autograded folder (the kernel's working folder; the class
command gives it back afterwards, :func:`restore_owner`), the IPC socket folder and a copy of the
connection file; directories on the way to what the kernel needs that the user could not enter
(``/root`` on the way to ``/root/.pyenv``) become tmpfs with only that put back. When the grader is
not root, bwrap runs unprivileged (a user namespace) and the kernel keeps the grader's uid: it can
read what the grader can outside the hidden course folder, and the process limit counts the
grader's own processes (the limit is set to what that user already runs plus ``max_procs``).

Three details make ipykernel work in bwrap: the kernel talks over IPC sockets in a folder that is
bound into the sandbox (``KernelManager.transport=ipc`` with an absolute ``KernelManager.ip``),
``JPY_PARENT_PID`` is unset (the parent's PID means nothing in a new PID namespace) and the
kernelspec says ``"interrupt_mode": "message"`` so a timed-out cell can still be interrupted.

The launcher reads its settings from ``AUTOGRADER_SANDBOX`` (JSON, made by :func:`box_config`)
set by the batch command.
"""

from __future__ import annotations

import json
import os
import pwd
import resource
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

KERNEL_NAME = "convkit-grader"
CPU_GRACE_S = 5  # SIGKILL this long after SIGXCPU, for a kernel that ignores SIGXCPU
TMP_BYTES = 512 << 20  # size of the sandbox's private /tmp (a tmpfs, i.e. memory)


class SandboxUnavailable(RuntimeError):
    pass


def default_max_procs() -> int:
    """Processes + threads a kernel may add: numpy/torch start about one thread per core."""
    return 256 + 4 * (os.cpu_count() or 1)


def bwrap_path() -> str | None:
    return os.environ.get("AUTOGRADER_BWRAP") or shutil.which("bwrap")


def setpriv_path() -> str | None:
    return shutil.which("setpriv")


def kernel_identity(user: str | None = None) -> tuple[int, int] | None:
    """(uid, gid) the kernel is dropped to, or None when the grader is not root (no drop).

    ``user``: a user name, ``uid`` or ``uid:gid`` (default ``nobody``). Root is refused."""
    if os.geteuid() != 0:
        if user not in (None, "", str(os.geteuid())):
            raise ValueError(f"kernel_user={user!r}: only root can run the grading kernel as another user")
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
            raise ValueError(f"kernel_user={user!r}: no such user (give a name from /etc/passwd or uid[:gid])") from None
        uid, gid = entry.pw_uid, entry.pw_gid
    if gid_s:
        if not gid_s.isdigit():
            raise ValueError(f"kernel_user={user!r}: the group must be a number (uid:gid)")
        gid = int(gid_s)
    if uid == 0 or gid == 0:
        raise ValueError(f"kernel_user={user!r}: the grading kernel must not run as root (uid and gid must be non-zero)")
    return uid, gid


def box_config(work: Path, *, hide, readonly, cpu_seconds: int = 1800, memory_bytes: int = 8 << 30,
               file_bytes: int = 200 << 20, max_procs: int | None = None, kernel_user: str | None = None) -> dict:
    """The launcher's settings (``AUTOGRADER_SANDBOX``) for one class run whose private folder is
    ``work`` (not visible in the sandbox): IPC sockets go to ``work/sock`` (the only part bound in),
    the launcher's reports to ``work/kernels.jsonl``."""
    ident = kernel_identity(kernel_user)
    sock = Path(work) / "sock"
    sock.mkdir(parents=True, exist_ok=True)
    cfg = {"hide": [str(p) for p in hide], "readonly": [str(p) for p in readonly], "writable": [str(sock)],
           "sock": str(sock), "report": str(Path(work) / "kernels.jsonl"),
           "cpu_seconds": int(cpu_seconds), "memory_bytes": int(memory_bytes), "file_bytes": int(file_bytes),
           "max_procs": int(max_procs if max_procs is not None else default_max_procs()),
           "uid": ident[0] if ident else None, "gid": ident[1] if ident else None, "bwrap": bwrap_path()}
    for key in ("cpu_seconds", "memory_bytes", "file_bytes", "max_procs"):
        if cfg[key] <= 0:
            raise ValueError(f"{key}={cfg[key]}: must be positive")
    return cfg


def _bwrap_supports_size(bwrap: str) -> bool:
    try:
        return "--size" in subprocess.run([bwrap, "--help"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.TimeoutExpired):
        return False


def _closed_ancestors(paths, uid: int, gid: int) -> list[str]:
    """Directories above ``paths`` that ``uid``/``gid`` could not enter (outside /tmp, which the
    sandbox replaces anyway), outermost first."""
    out = set()
    for path in paths:
        p = Path(path)
        for anc in list(p.parents)[:-1]:  # without "/"
            s = str(anc)
            if s == "/tmp" or s.startswith("/tmp/"):
                continue
            try:
                st = os.stat(anc)
            except OSError:
                continue
            bit = stat.S_IXUSR if st.st_uid == uid else stat.S_IXGRP if st.st_gid == gid else stat.S_IXOTH
            if not st.st_mode & bit:
                out.add(s)
    return sorted(out, key=lambda s: (s.count("/"), s))


def _open_dirs(paths, tmpfs_roots) -> list[str]:
    """``--perms 0755 --dir D`` for every directory above ``paths`` that lies inside one of the
    sandbox's own tmpfs (so bwrap creates it, enterable, instead of a 0700 mount point)."""
    roots = [Path(r) for r in tmpfs_roots]
    wanted = set()
    for path in paths:
        for anc in Path(path).parents:
            if any(anc != r and r in anc.parents for r in roots):
                wanted.add(str(anc))
    out = []
    for d in sorted(wanted, key=lambda s: (s.count("/"), s)):
        out += ["--perms", "0755", "--dir", d]
    return out


def bwrap_args(cfg: dict, cwd: str, connection_file: str | None = None) -> list[str]:
    """The bwrap command line (without the program to run) for one kernel started in ``cwd``."""
    bwrap = cfg.get("bwrap") or bwrap_path() or "bwrap"
    uid = cfg.get("uid")
    if uid is not None:  # grader is root: no user namespace, the kernel is dropped to uid by setpriv
        args = [bwrap, "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try",
                "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    else:
        args = [bwrap, "--unshare-all"]
    args += ["--die-with-parent", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"]
    if uid is not None:  # a tmpfs made by root is root's, 0755: the kernel's user needs to write there
        args += ["--perms", "1777"]
    if _bwrap_supports_size(bwrap):
        args += ["--size", str(cfg.get("tmp_bytes", TMP_BYTES))]
    args += ["--tmpfs", "/tmp"]
    # the Python environment the kernel runs in, wherever it lies (a clone under /tmp too, which the
    # sandbox otherwise replaces by an empty tmpfs)
    readonly = list(cfg["readonly"]) + [sys.prefix, sys.base_prefix, os.path.dirname(os.path.realpath(sys.executable))]
    writable = list(cfg["writable"]) + [cwd]
    extra = [connection_file] if connection_file else []
    tmpfs = ["/tmp"]
    if uid is not None:
        for closed in _closed_ancestors(readonly + writable + extra, uid, cfg["gid"]):
            args += ["--tmpfs", closed]
            tmpfs.append(closed)
    for hidden in cfg["hide"]:
        if os.path.isdir(hidden):
            args += ["--tmpfs", hidden]
            tmpfs.append(hidden)
        elif os.path.exists(hidden):
            args += ["--ro-bind", "/dev/null", hidden]
    if uid is not None:  # bwrap makes missing mount points 0700 (root's): the kernel's user must pass them
        args += _open_dirs(readonly + writable + extra, tmpfs)
    for path in dict.fromkeys(readonly):
        if os.path.exists(path):
            args += ["--ro-bind", path, path]
    for path in extra:  # nbclient writes it to a temporary file, possibly under the hidden /tmp
        args += ["--ro-bind", path, path]
    for path in writable:
        if os.path.exists(path):
            args += ["--bind", path, path]
    args += ["--chdir", cwd, "--unsetenv", "JPY_PARENT_PID", "--setenv", "HOME", cwd, "--setenv", "TMPDIR", "/tmp"]
    if uid is not None:
        args += ["--setenv", "USER", _user_name(uid), "--setenv", "LOGNAME", _user_name(uid)]
    return args


def drop_args(cfg: dict) -> list[str]:
    """The command prefix that drops root to the kernel's user inside the sandbox ([] when not root)."""
    if cfg.get("uid") is None:
        return []
    setpriv = cfg.get("setpriv") or setpriv_path()
    if not setpriv:
        raise SandboxUnavailable("setpriv (util-linux) is not installed: it runs the kernel as an unprivileged user")
    return [setpriv, "--reuid", str(cfg["uid"]), "--regid", str(cfg["gid"]), "--clear-groups",
            "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--"]


def _user_name(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


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


def set_limits(cfg: dict, nproc: int | None = None) -> None:
    cpu = int(cfg.get("cpu_seconds", 1800))
    mem = int(cfg.get("memory_bytes", 8 << 30))
    fsize = int(cfg.get("file_bytes", 200 << 20))
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
            try:
                os.chown(os.path.join(root, name), uid, gid, follow_symlinks=False)
            except FileNotFoundError:
                pass


def restore_owner(path, cfg: dict) -> None:
    """Give the grader back what the kernel's user (``cfg["uid"]``) owns under ``path`` (no-op when
    the kernel was not dropped to another user). Only entries owned by that user are changed and no
    link is followed, so a link the kernel left cannot hand the grader's chown anything else."""
    uid = cfg.get("uid")
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


def _prepare_dropped(cfg: dict, cwd: str, conn: str | None) -> str | None:
    """As root, before the kernel starts: a fresh socket folder and the working folder owned by the
    kernel's user, and a copy of the connection file it can read. Returns the copy's path."""
    uid, gid = cfg["uid"], cfg["gid"]
    sock = cfg["sock"]
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


def check(bwrap: str | None = None) -> str | None:
    """None when bubblewrap can start a sandbox here (as it will for the kernel), else the reason."""
    bwrap = bwrap or bwrap_path()
    if not bwrap or not (os.path.exists(bwrap) or shutil.which(bwrap)):
        return "bubblewrap (bwrap) is not installed (Debian/Ubuntu: apt-get install bubblewrap)"
    import tempfile

    folder = tempfile.mkdtemp(prefix="ag-check-")
    try:
        cfg = {"hide": [], "readonly": [], "writable": [], "bwrap": bwrap}
        ident = kernel_identity(None)
        if ident:
            cfg.update(uid=ident[0], gid=ident[1])
            os.chown(folder, *ident)
        cmd = bwrap_args(cfg, folder) + drop_args(cfg) + [sys.executable, "-c", "pass"]
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
        if cfg.get("uid") is not None:
            return (f"bwrap could not set up the sandbox as root and run Python in it as uid {cfg['uid']} "
                    f"(exit {proc.returncode}: {proc.stderr.strip()[:300]})")
        return (f"bwrap cannot create a sandbox here (exit {proc.returncode}: {proc.stderr.strip()[:300]}); "
                "unprivileged user namespaces may be disabled (sysctl kernel.unprivileged_userns_clone / "
                "user.max_user_namespaces)")
    return None


def write_kernelspec(folder: Path, sandboxed: bool) -> Path:
    """Write the grading kernelspec under ``folder/kernels``; returns its folder."""
    module = "autograder.sandbox" if sandboxed else "autograder.kernel"
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


# --- what happened to a kernel ------------------------------------------------------------------

def explain_exit(cfg: dict, status: int) -> str | None:
    """A reason for the class report when a kernel ended abnormally (``status``: its exit status,
    128 + N for signal N), else None. It names no time, so that grading a class twice writes the
    same CSV (the kernel report keeps the wall-clock seconds)."""
    if status == 0:
        return None
    if status > 128:
        sig = status - 128
        try:
            name = signal.Signals(sig).name
        except ValueError:
            name = f"signal {sig}"
        if sig == signal.SIGXCPU:
            return (f"CPU-time limit: the grading kernel used its {cfg['cpu_seconds']} s of CPU time "
                    f"(--cpu-seconds) and was stopped by SIGXCPU")
        if sig == signal.SIGXFSZ:
            return f"file-size limit: the grading kernel was stopped by SIGXFSZ (limit {cfg['file_bytes'] >> 20} MiB)"
        if sig == signal.SIGTERM:
            return f"the grading kernel did not exit when the grader shut it down (stopped with SIGTERM)"
        if sig == signal.SIGKILL:
            return (f"the grading kernel was killed by SIGKILL (by its own code, the system, or the "
                    f"CPU-time limit {CPU_GRACE_S} s after an ignored SIGXCPU)")
        return f"the grading kernel was killed by {name}"
    return f"the grading kernel exited with status {status}"


def _report(cfg: dict, entry: dict) -> None:
    path = cfg.get("report")
    if not path:
        return
    try:
        with open(path, "a") as fh:
            fh.write(json.dumps(entry) + "\n")
    except OSError as err:
        print(f"autograder.sandbox: could not write the kernel report {path}: {err}", file=sys.stderr)


def take_reports(cfg: dict) -> list[dict]:
    """The launcher's reports since the last call (one per kernel that ended), then forget them."""
    path = cfg.get("report")
    if not path or not os.path.exists(path):
        return []
    with open(path) as fh:
        entries = [json.loads(line) for line in fh if line.strip()]
    os.unlink(path)
    return entries


_LIMIT_ERRORS = (
    ("MemoryError", None, "memory limit", "memory_bytes", "--memory-gb"),
    (None, "Resource temporarily unavailable", "process limit", "max_procs", "--max-procs"),
    (None, "can't start new thread", "process limit", "max_procs", "--max-procs"),
    (None, "File too large", "file-size limit", "file_bytes", "--file-mb"),
)


def _limit_text(cfg: dict, key: str) -> str:
    v = cfg.get(key)
    if v is None:
        return "?"
    if key == "memory_bytes":
        return f"{v / (1 << 30):g} GiB of address space"
    if key == "file_bytes":
        return f"{v / (1 << 20):g} MiB per file"
    return f"{v} processes and threads"


def limit_reasons(folder: Path, cfg: dict) -> list[str]:
    """Reasons for the cells of the autograded notebooks in ``folder`` whose error says a limit was
    hit (``MemoryError``, ``Resource temporarily unavailable``, ``File too large``)."""
    import nbformat

    if not cfg.get("sandboxed", True):  # the limits were not set: a MemoryError is just that
        return []
    found: dict[str, list[str]] = {}
    for path in sorted(Path(folder).glob("*.ipynb")):
        nb = nbformat.read(str(path), as_version=4)
        for i, cell in enumerate(nb.cells, 1):
            for out in cell.get("outputs", []):
                if out.get("output_type") != "error":
                    continue
                ename, evalue = str(out.get("ename", "")), str(out.get("evalue", ""))
                for want_name, want_text, what, key, flag in _LIMIT_ERRORS:
                    if (want_name and ename == want_name) or (want_text and want_text in evalue):
                        where = (cell.get("metadata", {}).get("nbgrader", {}) or {}).get("grade_id") or f"cell {i}"
                        text = (f"{what} ({_limit_text(cfg, key)}, {flag}) hit: "
                                f"{ename}: {evalue[:120]}".rstrip(": "))
                        found.setdefault(text, []).append(where)
                        break
    return [f"{text} (in {', '.join(dict.fromkeys(cells))})" for text, cells in found.items()]


# --- the launcher ---------------------------------------------------------------------------------

def _watch_parent(pid: int, done) -> None:
    """Kill the sandbox when this launcher's parent (nbgrader) goes away, e.g. killed by the class
    command's wall-clock limit: a kernel must not outlive the grading of its student."""
    import threading

    parent = os.getppid()

    def watch():
        while not done.wait(1):
            if os.getppid() != parent:
                _signal_child(pid, done, signal.SIGKILL)  # bwrap --die-with-parent takes the sandbox with it
                return

    threading.Thread(target=watch, daemon=True).start()


def _signal_child(pid: int, done, sig) -> None:
    if not done.is_set():  # not yet reaped, so the pid is still ours
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    cfg = json.loads(os.environ["AUTOGRADER_SANDBOX"])
    cwd = os.getcwd()
    i = argv.index("-f") + 1 if "-f" in argv[:-1] else None
    conn = os.path.abspath(argv[i]) if i else None
    limit_uid = cfg["uid"] if cfg.get("uid") is not None else os.getuid()
    nproc = count_tasks(limit_uid) + int(cfg.get("max_procs", default_max_procs()))
    if cfg.get("uid") is not None:
        kernel_conn = _prepare_dropped(cfg, cwd, conn)
        bound_conn = None  # the copy lies in the socket folder, which is bound
    else:
        kernel_conn = bound_conn = conn
    if i:
        argv[i] = kernel_conn
    cmd = bwrap_args(cfg, cwd, bound_conn) + drop_args(cfg) + [sys.executable, "-m", "autograder.kernel", *argv]
    prog = cmd[0] if os.path.isabs(cmd[0]) else shutil.which(cmd[0])
    started = time.time()
    import threading

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
    entry = {"cwd": cwd, "status": status, "wall_seconds": round(wall, 2),
             "uid": cfg.get("uid") if cfg.get("uid") is not None else os.getuid(),
             "reason": explain_exit(cfg, status)}
    _report(cfg, entry)
    if entry["reason"]:
        print(f"autograder.sandbox: {entry['reason']}", file=sys.stderr, flush=True)
    sys.exit(status)


if __name__ == "__main__":
    main()
