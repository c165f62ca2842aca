"""The pre-execution scan (autograder.scan): each forbidden construct is flagged with its reason,
honest numpy answers are not, and edited/deleted locked cells are reported."""

from __future__ import annotations

import nbformat
import pytest

from autograder.scan import scan_notebook, scan_source


@pytest.mark.parametrize("source,reason", [
    ("import convkit", "imports convkit"),
    ("from convkit.functional.conv import corr2d", "imports from convkit.functional.conv"),
    ("import torch.nn.functional as F", "imports torch.nn.functional"),
    ("from scipy import ndimage\nfrom scipy.signal import convolve2d", "imports from scipy.signal"),
    ("get_ipython().input_transformers_post.append(f)", "installs an IPython input transformer"),
    ("ip = get_ipython()", "uses get_ipython()"),
    ("import sys\nsys.setprofile(None)", "replaces the profiler hook"),
    ("import threading\nthreading.settrace(f)", "installs a trace function"),
    ("exec('x = 1')", "runs code from a string (exec)"),
    ("eval('1')", "(eval)"),
    ("__import__('con' + 'vkit')", "imports dynamically"),
    ("import importlib", "imports importlib"),
    ("open('/work/main/solutions/a.ipynb')", "opens a file outside the submission folder"),
    ("open('../gradebook.db')", "outside the submission folder"),
    ("open(path)", "computed at run time"),
    ("import os\nos.system('ls')", "os.system"),
    ("import subprocess", "imports subprocess"),
    ("import sqlite3", "imports sqlite3"),
    ("class A:\n    def __eq__(self, other):\n        return True", "defines __eq__"),
    ("!cat /etc/passwd", "IPython magic or shell command"),
    ("def f(:\n  pass", "does not parse"),
])
def test_flags_with_reason(source, reason):
    flags = scan_source(source, "answer")
    assert any(reason in f.reason for f in flags), flags
    assert all(f.cell == "answer" for f in flags)


@pytest.mark.parametrize("source", [
    "import numpy as np\nfrom convgrade import check_array\n"
    "def corr2d(x, k):\n    x = np.asarray(x, float)\n    return np.lib.stride_tricks.sliding_window_view(x, k.shape).sum()",
    "def relu(x):\n    return np.maximum(x, 0)",
    "with open('notes.txt', 'w') as f:\n    f.write('ok')",
])
def test_honest_code_not_flagged(source):
    assert scan_source(source) == []


def _nb(*cells):
    return nbformat.v4.new_notebook(cells=list(cells))


def _cell(src, gid=None, locked=False):
    meta = {"nbgrader": {"grade_id": gid, "locked": locked, "grade": locked, "solution": not locked,
                         "schema_version": 3}} if gid else {}
    return nbformat.v4.new_code_cell(src, metadata=meta)


def test_edited_and_deleted_locked_cells(tmp_path):
    release = tmp_path / "release.ipynb"
    nbformat.write(_nb(_cell("x = 1", "ans"), _cell("assert x == 1", "test_a", True),
                       _cell("import convkit\nassert x", "test_b", True)), release)
    sub = tmp_path / "sub.ipynb"
    nbformat.write(_nb(_cell("x = 1", "ans"), _cell("pass", "test_a", True)), sub)
    flags = [str(f) for f in scan_notebook(sub, release)]
    assert "test_a: edited a locked cell (restored from the gradebook for grading)" in flags
    assert "test_b: deleted a locked cell (restored from the gradebook for grading)" in flags
    # an unchanged locked cell is not scanned, even if it imports convkit (instructor code)
    nbformat.write(_nb(_cell("x = 1", "ans"), _cell("assert x == 1", "test_a", True),
                       _cell("import convkit\nassert x", "test_b", True)), sub)
    assert scan_notebook(sub, release) == []


def test_invalid_notebook_raises(tmp_path):
    bad = tmp_path / "bad.ipynb"
    bad.write_text("{not json")
    with pytest.raises(Exception):
        scan_notebook(bad)


def test_unchanged_release_cells_not_flagged(tmp_path):
    """A free cell shipped in the release (e.g. %matplotlib inline) is not the student's code."""
    release, sub = tmp_path / "release.ipynb", tmp_path / "sub.ipynb"
    nbformat.write(_nb(_cell("%matplotlib inline"), _cell("x = 1", "ans")), release)
    nbformat.write(_nb(_cell("%matplotlib inline"), _cell("x = 2", "ans")), sub)
    assert scan_notebook(sub, release) == []
    nbformat.write(_nb(_cell("%matplotlib inline\n!ls /"), _cell("x = 2", "ans")), sub)
    assert any("shell command" in f.reason for f in scan_notebook(sub, release))


@pytest.mark.parametrize("source", [
    "layer = getattr(model, f'conv{i}')",
    "setattr(self, name, nn.Linear(4, 2))",
    "for name in ('weight', 'bias'):\n    print(getattr(layer, name).shape)",
    "delattr(self, 'l' + str(i))",
    "value = getattr(np, op_name)(x)",  # calling something forbidden is the guard's to catch
])
def test_a_computed_attribute_name_is_not_flagged_by_itself(source):
    """Issue 17: ``getattr`` with a computed name was flagged in honest code."""
    assert scan_source(source, "answer") == []


@pytest.mark.parametrize("source,reason", [
    ("f = getattr(check_array, '__glo' + 'bals__')", "built from '__glo'"),
    ("setattr(shell, 'input_' + 'transformers_post', [])", "built from 'transformers_post'"),
    ("getattr(sys, 'mod' + 'ules')", "getattr() on sys with a computed attribute name"),
    ("getattr(os, name)('ls')", "getattr() on os with a computed attribute name"),
    ("getattr(f, f'__{n}__')", "built from '__'"),
])
def test_a_computed_name_that_spells_a_flagged_attribute_is_flagged(source, reason):
    flags = scan_source(source, "answer")
    assert any(reason in f.reason for f in flags), flags


TORCH_ANSWER = ("import torch\nimport torch.nn.functional as F\nfrom torch.utils.data import DataLoader\n"
                "from torch import nn\nimport torch.optim as optim\n")


@pytest.mark.parametrize("assignment", ["07-3d-convolution", "09-lenet-to-resnet",
                                        "12-transfer-learning"])
def test_torch_chapters_do_not_flag_torch_imports(assignment, tmp_path):
    """Issue 17: importing the library a chapter teaches is not flagged, by the class grader's scan
    (the assignment's policy) nor by ``python -m autograder scan`` (which now reads it too)."""
    from autograder.__main__ import main
    from convgrade import load_policy
    from tests.grading import harness as h

    policy = load_policy(h.SOLUTIONS / assignment)
    assert scan_source(TORCH_ANSWER, "answer", policy) == []
    assert [f.reason for f in scan_source("import convkit.functional", "answer", policy)] == [
        "imports convkit.functional"]
    release = h.EXERCISES / assignment / f"{assignment}.ipynb"
    nb = nbformat.read(release, as_version=4)
    answer = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution"))
    answer.source = TORCH_ANSWER + answer.source
    submitted = tmp_path / "submitted" / "alice" / assignment / release.name
    submitted.parent.mkdir(parents=True)
    nbformat.write(nb, submitted)
    assert main(["scan", str(submitted), "--course", str(h.REPO)]) == 0
    answer.source = "import convkit\n" + answer.source
    nbformat.write(nb, submitted)
    assert main(["scan", str(submitted), "--course", str(h.REPO)]) == 1


def test_the_scan_command_keeps_flagging_torch_in_a_numpy_chapter(tmp_path, capsys):
    from autograder.__main__ import main
    from tests.grading import harness as h

    assignment = "02-convolution-layers"
    nb = nbformat.read(h.EXERCISES / assignment / f"{assignment}.ipynb", as_version=4)
    answer = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution"))
    answer.source = "import torch.nn.functional as F\n" + answer.source
    submitted = tmp_path / assignment / f"{assignment}.ipynb"
    submitted.parent.mkdir()
    nbformat.write(nb, submitted)
    assert main(["scan", str(submitted), "--course", str(h.REPO)]) == 1
    assert "imports torch.nn.functional" in capsys.readouterr().out
    # the unchanged release is instructor code: nothing to flag
    assert main(["scan", str(h.EXERCISES / assignment / f"{assignment}.ipynb"),
                 "--course", str(h.REPO)]) == 0
