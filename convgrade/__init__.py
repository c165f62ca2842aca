"""Grading helpers for the course's assignments, kept apart from the student package ``convkit``.

Two parts, for two readers:

* :mod:`convgrade.checks`: what the assignments' test cells call to compare a student's answer
  (:func:`check_array`, :func:`check_number`, :func:`check_shape`) and :func:`call_student`,
  which calls a student's function and fails when it reaches a forbidden implementation
  (:mod:`convgrade.forbidden` holds the matching rules, :class:`ForbiddenPolicy`).
* :mod:`convgrade.policy`: what an assignment forbids, one :class:`GradingPolicy` per assignment
  (defaults in code, overridden by ``solutions/<assignment>/grading.json``), read by the class
  grader's scan, its in-kernel guard and its batch command alike.

* :mod:`convgrade.testcell`: :func:`passed`, the last line of every test cell;
  :mod:`convgrade.scorecard`: the scorecard a student runs to see every visible test at once;
  :mod:`convgrade.release`: what ``nbgrader generate_assignment`` adds for the course (named
  stubs, the scorecard cells).

Test cells import the helpers from the package: ``from convgrade import check_array``.
"""

from convgrade.checks import check_array, check_number, check_shape
from convgrade.forbidden import TAMPERING, ForbiddenCallError, ForbiddenPolicy, call_student
from convgrade.policy import (
    DEFAULT_FORBIDDEN,
    IMPLEMENTATION_IMPORTS,
    POLICY_FILE,
    UNSAFE_IMPORTS,
    GradingPolicy,
    load_policy,
)
from convgrade.testcell import passed
from convgrade.timing import run_with_model, timed_call

__all__ = [
    "DEFAULT_FORBIDDEN",
    "IMPLEMENTATION_IMPORTS",
    "POLICY_FILE",
    "TAMPERING",
    "UNSAFE_IMPORTS",
    "ForbiddenCallError",
    "ForbiddenPolicy",
    "GradingPolicy",
    "call_student",
    "check_array",
    "check_number",
    "check_shape",
    "load_policy",
    "passed",
    "run_with_model",
    "timed_call",
]
