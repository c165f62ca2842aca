"""Test-session settings: no windows from matplotlib, reproducible hashing."""

import os

os.environ.setdefault("MPLBACKEND", "Agg")
