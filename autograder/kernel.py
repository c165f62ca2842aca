"""Entry point of the grading kernel: an ordinary ipykernel with the forbidden-call guard installed.

Run as ``python -m autograder.kernel -f <connection file>``; the kernelspec written by
:mod:`autograder.sandbox` starts it (inside bubblewrap unless unsandboxed grading was allowed).
The guard's settings come from ``AUTOGRADER_GUARD`` (a :class:`~autograder.config.GuardConfig` as
JSON: trusted cell hashes, forbidden implementations, token); the variable is removed from the
kernel's environment once read, so student code cannot read the token.
"""

from __future__ import annotations

import os
import sys

from autograder.config import GUARD_ENV, GuardConfig

_CONFIG: GuardConfig | None = None


def _install():
    from autograder import guard

    if _CONFIG is not None:
        guard.install(_CONFIG)


def main(argv=None):
    from ipykernel.kernelapp import IPKernelApp

    import autograder.kernel as this  # this file runs as __main__; the exec line imports it by name

    raw = os.environ.pop(GUARD_ENV, None)
    this._CONFIG = GuardConfig.from_json(raw) if raw else None
    argv = list(sys.argv[1:] if argv is None else argv)
    argv.append("--IPKernelApp.exec_lines=['__import__(\"autograder.kernel\").kernel._install()']")
    IPKernelApp.launch_instance(argv=argv)


if __name__ == "__main__":
    main()
