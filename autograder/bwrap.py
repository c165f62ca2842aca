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

__all__ = ["SYSTEM_PATHS", "bwrap_args", "drop_args", "python_dirs"]

#: What the kernel sees of the host besides the Python environment and the course's packages:
#: programs and libraries, and the few files of ``/etc`` that the C library, Python and
#: matplotlib read (users and groups, the loader's cache, time zone, fonts, MIME types). Not
#: ``/home``, ``/root``, ``/srv``, ``/opt``, ``/mnt``, ``/media``, ``/var`` or the rest of ``/etc``.
SYSTEM_PATHS: tuple[str, ...] = (
    "/usr",
    "/bin",
    "/sbin",
    "/lib",
    "/lib32",
    "/lib64",
    "/libx32",
    "/etc/passwd",
    "/etc/group",
    "/etc/nsswitch.conf",
    "/etc/host.conf",
    "/etc/hosts",
    "/etc/ld.so.cache",
    "/etc/ld.so.conf",
    "/etc/ld.so.conf.d",
    "/etc/localtime",
    "/etc/timezone",
    "/etc/alternatives",
    "/etc/fonts",
    "/etc/mime.types",
    "/etc/os-release",
    "/sys/devices/system/cpu",
)


def python_dirs() -> list[str]:
    """The running Python environment, wherever it lies (a clone under /tmp too, which the sandbox
    otherwise replaces by an empty tmpfs): ``sys.prefix``, ``sys.base_prefix`` and the
    interpreter's folder, each as its real path (see :func:`bwrap_args`)."""
    dirs = [sys.prefix, sys.base_prefix, os.path.dirname(os.path.realpath(sys.executable))]
    return list(dict.fromkeys(os.path.realpath(d) for d in dirs))


def python_links(bound: Iterable[str]) -> list[tuple[str, str]]:
    """``(target, link)`` for every symbolic link on the way to the running interpreter and its
    environment (``.venv -> /shared/.venv``) that does not lie inside one of the ``bound``
    folders: the sandbox recreates them, so the kernel starts by the same path."""
    roots = [Path(b) for b in bound]
    out: dict[str, str] = {}
    for path in (sys.executable, sys.prefix, sys.base_prefix):
        cur = Path("/")
        for part in Path(os.path.abspath(path)).parts[1:]:
            cur = cur / part
            if not os.path.islink(cur):
                continue
            if not any(cur == r or r in cur.parents for r in roots):
                out.setdefault(str(cur), os.readlink(cur))
            cur = Path(os.path.realpath(cur))
    return [(target, link) for link, target in out.items()]


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
            if anc not in roots and any(r in anc.parents for r in roots):
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
    system: Sequence[str] | None = None,
) -> list[str]:
    """The bwrap command line (without the program to run) for one kernel started in ``cwd``.

    Nothing of the host is visible unless it is listed here (an allowlist): the new root is an
    empty tmpfs (read-only once everything is mounted) with, in this order,

    1. the system paths (``system``, default :data:`SYSTEM_PATHS`), read-only; a symbolic link
       (``/lib -> usr/lib``) is recreated as the same link;
    2. ``/dev`` (bwrap's minimal one), ``/proc`` and a private ``/tmp``;
    3. ``cfg.hide``: folders replaced by an empty tmpfs (files by ``/dev/null``), in case a system
       path holds them (the course folder; what is bound below may lie inside it);
    4. the Python environment (``python``, default :func:`python_dirs`), read-only, and the
       links on the way to it (:func:`python_links`); when grading as root, a folder of what
       1-4 bound that the kernel's user could not enter on the way to what comes next becomes
       an empty tmpfs (:func:`closed_ancestors`);
    5. ``cfg.readonly`` (the course's packages), ``cfg.mounts`` (a source bound read-only at
       another path: the handout copy of convkit, the pretrained-weights copy), the connection
       file, ``cfg.writable`` (the socket folder) and ``cwd`` (the student's autograded folder),
       writable.

    Every folder bwrap creates on the way to a mount point is made ``0755`` (``--perms 0755
    --dir``), so the kernel's user can enter it. ``cfg.setenv`` pairs are set in the kernel's
    environment.

    Args:
        cfg: the class run's sandbox settings; ``cfg.bwrap`` is the program (default ``bwrap``).
        cwd: the kernel's working folder (the student's autograded folder), bound writable.
        connection_file: the kernel's connection file, bound read-only when given.
        supports_size: whether this bwrap knows ``--size`` (limits the private /tmp).
        python: folders of the Python environment to bind (default :func:`python_dirs`).
        system: system paths to bind (default :data:`SYSTEM_PATHS`).

    Paths that do not exist are left out of the binds (except ``connection_file`` and ``cwd``).
    Read-only paths are bound at their real path: bwrap cannot mount onto a symbolic link (a
    ``.venv`` that links to a shared environment).
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
    args += ["--die-with-parent"]
    sys_links, system_binds = [], []
    for path in SYSTEM_PATHS if system is None else system:
        if os.path.islink(path):
            sys_links.append((os.readlink(path), path))
        elif os.path.exists(path):
            system_binds.append(path)
    args += open_dirs(system_binds + [dest for _, dest in sys_links], ["/"])
    for target, path in sys_links:
        args += ["--symlink", target, path]
    for path in system_binds:
        args += ["--ro-bind", path, path]
    args += ["--dev", "/dev", "--proc", "/proc"]
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
    env = [
        p
        for p in dict.fromkeys(
            os.path.realpath(p) for p in (python_dirs() if python is None else python)
        )
        if os.path.exists(p)
    ]
    readonly = [
        p for p in dict.fromkeys(os.path.realpath(p) for p in cfg.readonly) if os.path.exists(p)
    ]
    mounts = [(src, dest) for src, dest in cfg.mounts if os.path.exists(src)]
    writable = [p for p in cfg.writable if os.path.exists(p)] + [cwd]
    extra = [connection_file] if connection_file else []
    later = readonly + [dest for _, dest in mounts] + extra + writable
    hidden = []
    args += open_dirs([p for p in cfg.hide if os.path.exists(p)], ["/", "/tmp"])
    for path in cfg.hide:
        if os.path.isdir(path):
            args += ["--tmpfs", path]
            hidden.append(path)
        elif os.path.exists(path):
            args += ["--ro-bind", "/dev/null", path]
    links = python_links(env) if python is None else []
    # folders on the way to what is bound next, also inside a hidden one (the course)
    args += open_dirs(env + [link for _, link in links] + later, ["/", "/tmp", *hidden])
    for path in env:
        args += ["--ro-bind", path, path]
    for target, link in links:
        args += ["--symlink", target, link]
    if uid is not None:
        # a folder of a bound tree (/usr/local/src, 0700) on the way to what is bound next, which
        # the kernel's user could not enter: an empty tmpfs with only that put back
        assert cfg.gid is not None  # SandboxConfig checks that they come together
        trees = [Path(t) for t in system_binds + env]
        closed = [
            c
            for c in closed_ancestors(later, uid, cfg.gid)
            if any(t == Path(c) or t in Path(c).parents for t in trees)
        ]
        for c in closed:
            args += ["--tmpfs", c]
        args += open_dirs(later, closed)
    for path in readonly:
        args += ["--ro-bind", path, path]
    for src, dest in mounts:
        args += ["--ro-bind", src, dest]
    for path in extra:  # nbclient writes it to a temporary file, possibly under the hidden /tmp
        args += ["--ro-bind", path, path]
    for path in writable:
        args += ["--bind", path, path]
    args += ["--remount-ro", "/"]
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
    for name, value in cfg.setenv:
        args += ["--setenv", name, value]
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
