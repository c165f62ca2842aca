"""Run ``nbgrader <command>`` in a fresh process without paying nbgrader's start-up each time.

``python -m nbgrader autograde ...`` spends about 4 s of CPU importing nbgrader, nbconvert,
jupyter_client and SQLAlchemy before it grades anything; the class grader starts one such process
per student. :func:`run` instead forks the process from a server (the standard library's
``multiprocessing`` *forkserver*) that imported those modules once and never grades anything
itself: every student still gets a process of its own (its own kernels, its own crash, its own
wall-clock limit, killed on time-out exactly like the command-line process was), started from the
same clean state, but the imports are paid once per class run.

The server is started by the first :func:`run` of a class run (with the grading environment of
that moment: this package and the repository on ``sys.path``) and stopped with the class command.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import sys
import threading

__all__ = ["PRELOAD", "run", "start", "stop"]

#: Imported once by the fork server: what ``nbgrader autograde`` imports before it grades.
PRELOAD = [
    "nbgrader.apps.nbgraderapp",
    "nbgrader.apps.autogradeapp",
    "nbgrader.converters.autograde",
    "nbgrader.preprocessors",
    "nbgrader.api",
    "nbconvert",
    "nbclient",
    "jupyter_client.manager",
    "zmq.asyncio",
    "sqlalchemy",
    "autograder.loadsafe",
    "autograder.preprocessors",
    "autograder.gblock",
]

_LOCK = threading.Lock()
_CTX: multiprocessing.context.BaseContext | None = None


def _context():
    global _CTX
    with _LOCK:
        if _CTX is None:
            ctx = multiprocessing.get_context("forkserver")
            ctx.set_forkserver_preload(PRELOAD)
            _CTX = ctx
        return _CTX


def start() -> None:
    """Start the fork server now; it imports :data:`PRELOAD` while the caller goes on (the class
    command calls it first thing, so those imports overlap its own). :func:`run` starts it too."""
    from multiprocessing import forkserver

    _context()
    forkserver.ensure_running()


def _child(args: list[str], cwd: str, env: dict, log: str) -> None:
    """In the forked process: the command line's environment, folder and output, then nbgrader's
    own entry point (as ``python -m nbgrader``)."""
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(env)
    sys.argv = ["nbgrader", *args]
    code: object = 0
    try:
        from nbgrader.apps.nbgraderapp import main

        main()
    except SystemExit as stop:
        code = stop.code
    except BaseException:
        import traceback

        traceback.print_exc()
        code = 1
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
    os._exit(code if isinstance(code, int) else (0 if code is None else 1))


def run(args: list[str], cwd, env: dict, log, timeout: float | None) -> int | None:
    """``nbgrader *args`` in folder ``cwd`` with environment ``env``, its output (stdout and
    stderr) written to the file ``log``; the exit status, or None when it ran out of ``timeout``
    wall-clock seconds (it is then killed, as ``subprocess.run(..., timeout=)`` does)."""
    proc = _context().Process(target=_child, args=(list(args), str(cwd), dict(env), str(log)))
    proc.start()
    proc.join(timeout)
    if proc.exitcode is None:
        proc.kill()
        proc.join()
        return None
    return proc.exitcode


def stop() -> None:
    """Stop the fork server (and wait for it, so that its CPU time is counted as this process's
    children's) if one runs; the next :func:`run` starts a new one."""
    global _CTX
    with _LOCK:
        if _CTX is None:
            return
        from multiprocessing import forkserver

        forkserver._forkserver._stop()  # type: ignore[attr-defined]
        _CTX = None
