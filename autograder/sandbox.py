"""The grading kernel's sandbox: bubblewrap, a kernelspec that uses it, and resource limits.

``write_kernelspec(folder, ...)`` writes ``<folder>/kernels/convkit-grader/kernel.json``; with
``JUPYTER_PATH=<folder>`` and ``--Execute.kernel_name=convkit-grader`` nbgrader starts every
notebook's kernel through ``python -m autograder.sandbox`` which

* sets CPU-time, address-space and file-size limits (inherited by the kernel),
* execs ``bwrap``: the whole file system read-only, the course folder (``solutions/``, the
  gradebook, other students' files) replaced by an empty tmpfs with only the Python environment,
  the course's packages and this student's autograded folder (writable) put back, a private
  ``/tmp``, no network, its own PID namespace, dying with its parent,
* runs :mod:`autograder.kernel` (ipykernel with the forbidden-call guard) inside.

Three details make ipykernel work in bwrap: the kernel talks over IPC sockets in a folder that is
bound into the sandbox (``KernelManager.transport=ipc`` with an absolute ``KernelManager.ip``),
``JPY_PARENT_PID`` is unset (the parent's PID means nothing in a new PID namespace) and the
kernelspec says ``"interrupt_mode": "message"`` so a timed-out cell can still be interrupted.

The launcher reads its settings from ``AUTOGRADER_SANDBOX`` (JSON) set by the batch command.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path

KERNEL_NAME = "convkit-grader"


class SandboxUnavailable(RuntimeError):
    pass


def bwrap_path() -> str | None:
    return os.environ.get("AUTOGRADER_BWRAP") or shutil.which("bwrap")


def bwrap_args(cfg: dict, cwd: str, connection_file: str | None = None) -> list[str]:
    """The bwrap command line (without the program to run) for one kernel started in ``cwd``."""
    args = [cfg.get("bwrap") or bwrap_path() or "bwrap",
            "--unshare-all", "--die-with-parent",
            "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"]
    for hidden in cfg["hide"]:
        if os.path.isdir(hidden):
            args += ["--tmpfs", hidden]
        elif os.path.exists(hidden):
            args += ["--ro-bind", "/dev/null", hidden]
    args += ["--tmpfs", "/tmp"]
    for path in cfg["readonly"]:
        if os.path.exists(path):
            args += ["--ro-bind", path, path]
    if connection_file:  # nbclient writes it to a temporary file, possibly under the hidden /tmp
        args += ["--ro-bind", connection_file, connection_file]
    for path in cfg["writable"] + [cwd]:
        if os.path.exists(path):
            args += ["--bind", path, path]
    args += ["--chdir", cwd, "--unsetenv", "JPY_PARENT_PID", "--setenv", "HOME", cwd, "--setenv", "TMPDIR", "/tmp"]
    return args


def set_limits(cfg: dict) -> None:
    cpu = int(cfg.get("cpu_seconds", 1800))
    mem = int(cfg.get("memory_bytes", 8 << 30))
    fsize = int(cfg.get("file_bytes", 200 << 20))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
    resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
    resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))


def check(bwrap: str | None = None) -> str | None:
    """None when bubblewrap can start a sandbox here, else the reason it cannot."""
    bwrap = bwrap or bwrap_path()
    if not bwrap or not (os.path.exists(bwrap) or shutil.which(bwrap)):
        return "bubblewrap (bwrap) is not installed (Debian/Ubuntu: apt-get install bubblewrap)"
    try:
        proc = subprocess.run([bwrap, "--unshare-all", "--die-with-parent", "--ro-bind", "/", "/",
                               "--dev", "/dev", "--proc", "/proc", "true"],
                              capture_output=True, text=True, timeout=30)
    except OSError as err:
        return f"bwrap could not be run: {err}"
    except subprocess.TimeoutExpired:
        return "bwrap did not finish a trivial command in 30 s"
    if proc.returncode != 0:
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


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    cfg = json.loads(os.environ["AUTOGRADER_SANDBOX"])
    set_limits(cfg)
    conn = argv[argv.index("-f") + 1] if "-f" in argv[:-1] else None
    cmd = bwrap_args(cfg, os.getcwd(), os.path.abspath(conn) if conn else None) + [sys.executable, "-m", "autograder.kernel", *argv]
    os.execv(cmd[0] if os.path.isabs(cmd[0]) else shutil.which(cmd[0]), cmd)


if __name__ == "__main__":
    main()
