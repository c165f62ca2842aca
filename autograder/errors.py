"""Errors of the class grader. Below the command line nothing exits the process: the functions
raise these, and ``python -m autograder`` turns them into a message and an exit status."""

from __future__ import annotations

__all__ = ["GradingError", "SandboxRefused", "SandboxUnavailable"]


class GradingError(RuntimeError):
    """The class run cannot go on (no source folder, nbgrader failed...). Exit status 1."""

    exit_code = 1


class SandboxUnavailable(RuntimeError):
    """bubblewrap (or setpriv, when grading as root) cannot start a sandbox here."""


class SandboxRefused(GradingError):
    """The sandbox cannot start and unsandboxed grading was not allowed. Exit status 2."""

    exit_code = 2
