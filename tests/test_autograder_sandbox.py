"""The sandbox starts wherever the Python environment lies, also under /tmp.

The sandbox puts an empty tmpfs over /tmp, so an environment (or a CI clone of the repository)
under /tmp must be bound back in, or the kernel's Python is missing inside ("setpriv: failed to
execute .../bin/python: No such file or directory", seen on a clone in /tmp).
"""

from __future__ import annotations

import subprocess
import sys
import venv
from pathlib import Path

from tests.grading import harness as h


def test_check_passes_for_an_environment_under_tmp(tmp_path):
    env_dir = Path("/tmp") / f"{tmp_path.name}-env"   # under /tmp whatever pytest's basetemp is
    try:
        venv.create(env_dir, system_site_packages=True, with_pip=False, symlinks=True)
        py = env_dir / "bin" / "python"
        proc = subprocess.run([str(py), "-c", "import sys; from autograder import sandbox; "
                               "assert sys.prefix != sys.base_prefix; print(sandbox.check())"],
                              cwd=h.REPO, env=dict(h._env(), PYTHONPATH=str(h.REPO)), capture_output=True,
                              text=True, timeout=120)
    finally:
        subprocess.run(["rm", "-rf", str(env_dir)])
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "None", proc.stdout
