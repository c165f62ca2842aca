"""Test-session settings: no windows from matplotlib; the known-wrong answers are data, not tests."""

import os

os.environ.setdefault("MPLBACKEND", "Agg")

# tests/wrong/ holds answer cells that the grader tests paste into notebooks; importing them as
# modules (as --doctest-modules would) is meaningless and some need names the notebook defines.
collect_ignore = ["wrong"]
