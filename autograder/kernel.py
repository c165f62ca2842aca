"""Entry point of the grading kernel: an ordinary ipykernel with the forbidden-call guard installed.

Run as ``python -m autograder.kernel -f <connection file>``; the kernelspec written by
:mod:`autograder.sandbox` starts it (inside bubblewrap unless unsandboxed grading was allowed).
"""

from __future__ import annotations

import sys


def main(argv=None):
    from ipykernel.kernelapp import IPKernelApp

    argv = list(sys.argv[1:] if argv is None else argv)
    argv.append("--IPKernelApp.exec_lines=['import autograder.guard as _g; _g.install_in_ipython(); del _g']")
    IPKernelApp.launch_instance(argv=argv)


if __name__ == "__main__":
    main()
