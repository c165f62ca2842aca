"""Run real ``nbgrader`` on a throw-away copy of the course (used by the grader tests)."""
