"""The bubblewrap command line for one grading kernel: a pure function of a :class:`SandboxConfig`.

:func:`bwrap_args` returns the argv (without the program run inside) and :func:`drop_args` the
``setpriv`` prefix that drops root to the kernel's user; neither starts a process, so both are
unit tested argument by argument (``tests/test_autograder_bwrap.py``). What the arguments do is
described in :mod:`autograder.sandbox`.
"""

from __future__ import annotations

import os
import pwd
import stat
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from autograder.config import SandboxConfig
from autograder.errors import SandboxUnavailable

__all__ = ["bwrap_args", "drop_args", "python_dirs"]


def python_dirs() -> list[str]:
    """The running Python environment, wherever it lies (a clone under /tmp too, which the sandbox
    otherwise replaces by an empty tmpfs): ``sys.prefix``, ``sys.base_prefix`` and the
    interpreter's folder, each as its real path (see :func:`bwrap_args`)."""
    dirs = [sys.prefix, sys.base_prefix, os.path.dirname(os.path.realpath(sys.executable))]
    return list(dict.fromkeys(os.path.realpath(d) for d in dirs))


def closed_ancestors(paths: Iterable[str], uid: int, gid: int) -> list[str]:
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
            if st.st_uid == uid:
                bit = stat.S_IXUSR
            elif st.st_gid == gid:
                bit = stat.S_IXGRP
            else:
                bit = stat.S_IXOTH
            if not st.st_mode & bit:
                out.add(s)
    return sorted(out, key=lambda s: (s.count("/"), s))


def open_dirs(paths: Iterable[str], tmpfs_roots: Iterable[str]) -> list[str]:
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


def user_name(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def bwrap_args(
    cfg: SandboxConfig,
    cwd: str,
    connection_file: str | None = None,
    *,
    supports_size: bool = False,
    python: Sequence[str] | None = None,
) -> list[str]:
    """The bwrap command line (without the program to run) for one kernel started in ``cwd``.

    Args:
        cfg: the class run's sandbox settings; ``cfg.bwrap`` is the program (default ``bwrap``).
        cwd: the kernel's working folder (the student's autograded folder), bound writable.
        connection_file: the kernel's connection file, bound read-only when given.
        supports_size: whether this bwrap knows ``--size`` (limits the private /tmp).
        python: folders of the Python environment to bind back in (default :func:`python_dirs`).

    Paths that do not exist are left out of the binds (except ``connection_file`` and ``cwd``).
    Read-only paths are bound at their real path: bwrap cannot mount onto a symbolic link (a
    ``.venv`` that links to a shared environment), and the link itself stays visible in the
    read-only root, pointing at the bound target.
    """
    bwrap = cfg.bwrap or "bwrap"
    uid = cfg.uid
    if uid is not None:  # grader is root: no user namespace, setpriv drops the kernel to uid
        args = [
            bwrap,
            "--unshare-ipc",
            "--unshare-pid",
            "--unshare-net",
            "--unshare-uts",
            "--unshare-cgroup-try",
            "--cap-add",
            "CAP_SETUID",
            "--cap-add",
            "CAP_SETGID",
        ]
    else:
        args = [bwrap, "--unshare-all"]
    args += ["--die-with-parent", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"]
    if uid is not None:  # a tmpfs made by root is root's, 0755: the kernel's user must write there
        args += ["--perms", "1777"]
    if supports_size:
        args += ["--size", str(cfg.tmp_bytes)]
    args += ["--tmpfs", "/tmp"]
    # POSIX semaphores and shared memory live in /dev/shm; bwrap's --dev makes it root's, 0755,
    # so without this joblib (imported by scikit-learn) warns on stderr "Permission denied.
    # joblib will operate in serial mode", which nbgrader would count against a test cell
    args += ["--perms", "1777"]
    if supports_size:
        args += ["--size", str(cfg.tmp_bytes)]
    args += ["--tmpfs", "/dev/shm"]
    readonly = [
        os.path.realpath(p)
        for p in list(cfg.readonly) + list(python_dirs() if python is None else python)
    ]
    writable = list(cfg.writable) + [cwd]
    extra = [connection_file] if connection_file else []
    tmpfs = ["/tmp"]
    if uid is not None:
        assert cfg.gid is not None  # SandboxConfig checks that they come together
        for closed in closed_ancestors(readonly + writable + extra, uid, cfg.gid):
            args += ["--tmpfs", closed]
            tmpfs.append(closed)
    for hidden in cfg.hide:
        if os.path.isdir(hidden):
            args += ["--tmpfs", hidden]
            tmpfs.append(hidden)
        elif os.path.exists(hidden):
            args += ["--ro-bind", "/dev/null", hidden]
    if uid is not None:  # bwrap makes missing mount points 0700 (root's): the kernel's user passes
        args += open_dirs(readonly + writable + extra, tmpfs)
    for path in dict.fromkeys(readonly):
        if os.path.exists(path):
            args += ["--ro-bind", path, path]
    for path in extra:  # nbclient writes it to a temporary file, possibly under the hidden /tmp
        args += ["--ro-bind", path, path]
    for path in writable:
        if os.path.exists(path):
            args += ["--bind", path, path]
    args += [
        "--chdir",
        cwd,
        "--unsetenv",
        "JPY_PARENT_PID",
        "--setenv",
        "HOME",
        cwd,
        "--setenv",
        "TMPDIR",
        "/tmp",
    ]
    if uid is not None:
        args += ["--setenv", "USER", user_name(uid), "--setenv", "LOGNAME", user_name(uid)]
    return args


def drop_args(cfg: SandboxConfig, setpriv: str | None) -> list[str]:
    """The command prefix that drops root to the kernel's user inside the sandbox ([] when the
    kernel keeps the grader's uid). ``setpriv``: the program; ``None`` raises when it is needed.

    Raises:
        SandboxUnavailable: ``cfg.uid`` is set and ``setpriv`` is ``None``.
    """
    if cfg.uid is None:
        return []
    if not setpriv:
        raise SandboxUnavailable(
            "setpriv (util-linux) is not installed: it runs the kernel as an unprivileged user"
        )
    return [
        setpriv,
        "--reuid",
        str(cfg.uid),
        "--regid",
        str(cfg.gid),
        "--clear-groups",
        "--inh-caps=-all",
        "--bounding-set=-all",
        "--no-new-privs",
        "--",
    ]
