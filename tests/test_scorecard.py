"""What a student meets in a released notebook (issue 15): named stubs, test cells that say they
passed and what they are worth, and the scorecard that runs every visible test at once."""

from __future__ import annotations

import ast
import copy
import re
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from convgrade import scorecard as sc
from convgrade.progress import epoch_progress
from convgrade.release import (
    SCORECARD_SOURCE,
    SCORECARD_TAG,
    AddScorecard,
    NamedClearSolutions,
    enclosing_name,
)

ROOT = Path(__file__).resolve().parent.parent
RELEASES = sorted(ROOT.glob("exercises/*/*.ipynb"))
SOURCES = sorted(ROOT.glob("solutions/*/*.ipynb"))
STUB = re.compile(r'raise NotImplementedError\("([\w.]+): replace this line with your code"\)')


def _meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def _is_test(cell) -> bool:
    meta = _meta(cell)
    return cell.cell_type == "code" and bool(meta.get("grade")) and not meta.get("solution")


# -- named stubs -------------------------------------------------------------------------------
def test_named_stub_for_functions_methods_and_whole_cells():
    source = (
        "class Dropout:\n"
        "    def forward(self, x):\n"
        "        ### BEGIN SOLUTION\n"
        "        return x\n"
        "        ### END SOLUTION\n"
        "\n"
        "def corr2d(x, k):\n"
        "    ### BEGIN SOLUTION\n"
        "    return x\n"
        "    ### END SOLUTION\n"
    )
    meta = {"nbgrader": {"solution": True, "grade": False, "grade_id": "dropout_cell"}}
    nb = new_notebook(cells=[new_code_cell(source, metadata=meta)])
    nb.cells.append(new_code_cell("x = 1", metadata=copy.deepcopy(meta)))  # no region: whole cell
    nb.metadata["kernelspec"] = {"language": "python", "name": "python3"}
    out, _ = NamedClearSolutions().preprocess(nb, {})
    first, second = out.cells[0].source, out.cells[1].source
    assert STUB.findall(first) == ["Dropout.forward", "corr2d"]
    assert "return x" not in first
    assert '        raise NotImplementedError("Dropout.forward: ' in first  # keeps the indent
    assert STUB.findall(second) == ["dropout_cell"]
    ast.parse(first)
    assert enclosing_name(source.split("\n"), 3) == "Dropout.forward"


@pytest.mark.parametrize("path", RELEASES, ids=lambda p: p.parent.name)
def test_every_released_stub_names_its_function(path):
    nb = nbformat.read(str(path), as_version=4)
    solution_cells = [c for c in nb.cells if c.cell_type == "code" and _meta(c).get("solution")]
    assert solution_cells
    for cell in solution_cells:
        names = STUB.findall(cell.source)
        assert names, f"{_meta(cell)['grade_id']}: no named stub in\n{cell.source}"
        assert "NotImplementedError()" not in cell.source
        defined = {
            n.name
            for n in ast.walk(ast.parse(cell.source))
            if hasattr(n, "body") and isinstance(n, ast.FunctionDef | ast.ClassDef)
        }
        for name in names:
            assert set(name.split(".")) <= defined | {_meta(cell)["grade_id"]}, name


# -- uniform test cells ------------------------------------------------------------------------
@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.parent.name)
def test_every_test_cell_ends_by_saying_it_passed_and_its_points(path):
    """The line comes from /work/wt/h15s-edit.py (issue 15); a new test cell needs it too."""
    nb = nbformat.read(str(path), as_version=4)
    tests = [c for c in nb.cells if _is_test(c)]
    assert tests
    for cell in tests:
        meta = _meta(cell)
        last = cell.source.rstrip().split("\n")[-1]
        expected = f'passed("{meta["grade_id"]}", points={meta["points"]:g})'
        assert last == expected, f"{meta['grade_id']}: ends with {last!r}, not {expected!r}"
        assert "from convgrade import passed" in cell.source
        assert 'print("visible tests passed")' not in cell.source
        # after the hidden tests, so a graded cell says it passed only when they held too
        assert cell.source.rfind("### END HIDDEN TESTS") < cell.source.rfind(expected)


def test_passed_prints_grade_id_and_points(capsys):
    from convgrade import passed

    passed("test_corr2d", points=2)
    passed("test_pad__order", points=1)
    assert capsys.readouterr().out.splitlines() == [
        "test_corr2d passed [2 points]",
        "test_pad__order passed [1 point]",
    ]


# -- the scorecard cell ------------------------------------------------------------------------
@pytest.mark.parametrize("path", RELEASES, ids=lambda p: p.parent.name)
def test_every_release_ends_with_the_scorecard(path):
    nb = nbformat.read(str(path), as_version=4)
    heading, cell = nb.cells[-2], nb.cells[-1]
    assert heading.cell_type == "markdown" and heading.source.startswith("## Scorecard")
    assert cell.cell_type == "code" and cell.source == SCORECARD_SOURCE
    for c in (heading, cell):
        assert SCORECARD_TAG in c.metadata["tags"]
        assert c.metadata["editable"] is False and "nbgrader" not in c.metadata
    assert sum(SCORECARD_TAG in c.metadata.get("tags", []) for c in nb.cells) == 2
    assert "BEGIN HIDDEN TESTS" not in path.read_text()


def test_add_scorecard_is_idempotent():
    nb = new_notebook(cells=[new_code_cell("x = 1")])
    once, _ = AddScorecard().preprocess(nb, {})
    twice, _ = AddScorecard().preprocess(copy.deepcopy(once), {})
    assert [c.source for c in twice.cells] == [c.source for c in once.cells]
    assert len(once.cells) == 3


def _test_cell(source, gid, points):
    meta = {
        "nbgrader": {
            "grade": True,
            "solution": False,
            "locked": True,
            "points": points,
            "grade_id": gid,
            "schema_version": 3,
        }
    }
    return new_code_cell(source, metadata=meta)


def _answer_cell(source, gid):
    meta = {
        "nbgrader": {
            "grade": False,
            "solution": True,
            "locked": False,
            "grade_id": gid,
            "schema_version": 3,
        }
    }
    return new_code_cell(source, metadata=meta)


def test_scorecard_runs_every_cell_after_errors_and_counts_points(tmp_path, capsys):
    nb = new_notebook(
        cells=[
            new_code_cell("import math"),
            _answer_cell("def double(x):\n    return 2 * x", "double"),
            _test_cell("assert double(2) == 4\nprint('ok')", "test_double", 2),
            _answer_cell(
                'def half(x):\n    raise NotImplementedError("half: replace this line")', "half"
            ),
            _test_cell("assert half(4) == 2", "test_half", 1),
            new_code_cell("1 / 0"),  # a free cell that fails: noted, the run goes on
            _test_cell(
                "assert double(1) == 3, 'double(1) should be 3\\nsecond line'",
                "test_double__odd",
                0.5,
            ),
            _test_cell("assert math.pi > 3", "test_math", 1),
        ]
    )
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "language": "python",
        "display_name": "Python 3",
    }
    nb, _ = AddScorecard().preprocess(nb, {})
    path = tmp_path / "toy.ipynb"
    nbformat.write(nb, str(path))
    assert sc.main([str(path)]) == 1
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].startswith("Scorecard of toy.ipynb as saved at ")
    assert sc.format_line(sc.TestResult("test_double", 2, True)) in lines
    assert (
        sc.format_line(
            sc.TestResult("test_half", 1, False, "NotImplementedError: half: replace this line")
        )
        in lines
    )
    assert (
        sc.format_line(
            sc.TestResult("test_double__odd", 0.5, False, "AssertionError: double(1) should be 3")
        )
        in lines
    )
    assert sc.format_line(sc.TestResult("test_math", 1, True)) in lines
    assert "  note: cell 6 raised ZeroDivisionError: division by zero" in lines
    assert "Visible tests: 3/4.5 points, 2 of 4 test cells passed." in lines
    # the scorecard cell itself was not run (it would have started another scorecard)
    assert out.count("Scorecard of") == 1


def test_scorecard_of_a_release_with_one_function_solved(tmp_path):
    """Exercise 02 as a student has it after writing corr2d only: corr2d's tests pass, every
    other test fails with its stub's message, and the run reaches the last test cell."""
    name = "02-convolution-layers"
    release = nbformat.read(str(ROOT / "exercises" / name / f"{name}.ipynb"), as_version=4)
    for cell in release.cells:
        if _meta(cell).get("grade_id") == "corr2d":
            cell.source = (
                "def corr2d(x, k):\n"
                "    kh, kw = k.shape\n"
                "    oh, ow = x.shape[0] - kh + 1, x.shape[1] - kw + 1\n"
                "    return sum(k[a, b] * x[a:a + oh, b:b + ow]\n"
                "               for a in range(kh) for b in range(kw)) + 0.0\n"
            )
    path = tmp_path / f"{name}.ipynb"
    nbformat.write(release, str(path))
    results = sc.run_scorecard(path)
    tests = [_meta(c) for c in release.cells if _is_test(c)]
    assert [r.grade_id for r in results] == [m["grade_id"] for m in tests]
    for r in results:
        function = r.grade_id.removeprefix("test_").split("__")[0]
        if function == "corr2d":
            assert r.passed, r
        else:
            assert not r.passed
            assert r.reason == f"NotImplementedError: {function}: replace this line with your code"
    assert sum(r.score for r in results) == 4
    assert sum(r.points for r in results) == sum(m["points"] for m in tests)


def test_a_cell_that_kills_the_kernel_leaves_the_later_tests_failed(tmp_path):
    nb = new_notebook(cells=[
        _test_cell("pass", "test_before", 1),
        new_code_cell("import os\nos._exit(1)"),
        _test_cell("pass", "test_after", 2),
    ])  # fmt: skip
    nb.metadata["kernelspec"] = {"name": "python3", "language": "python",
                                 "display_name": "Python 3"}  # fmt: skip
    path = tmp_path / "dies.ipynb"
    nbformat.write(nb, str(path))
    assert sc.run_scorecard(path) == [
        sc.TestResult("test_before", 1, True),
        sc.TestResult("test_after", 2, False, "did not run (the kernel stopped)"),
    ]


def test_scorecard_does_nothing_when_a_grader_runs_the_notebook(monkeypatch, capsys, tmp_path):
    monkeypatch.delenv(sc.SESSION_ENV, raising=False)
    monkeypatch.delenv(sc.CHILD_ENV, raising=False)
    sc.scorecard()
    assert "runs in JupyterLab only" in capsys.readouterr().out
    monkeypatch.setenv(sc.CHILD_ENV, "1")
    sc.scorecard(tmp_path / "any.ipynb")  # no such file, and no error: it does nothing
    assert capsys.readouterr().out == ""


def test_scorecard_finds_the_notebook_of_its_session(monkeypatch, tmp_path, capsys):
    nb = new_notebook(cells=[_test_cell("pass", "test_nothing", 1)])
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "language": "python",
        "display_name": "Python 3",
    }
    path = tmp_path / "mine.ipynb"
    nbformat.write(nb, str(path))
    monkeypatch.delenv(sc.CHILD_ENV, raising=False)
    monkeypatch.setenv(sc.SESSION_ENV, str(path))
    sc.scorecard()
    out = capsys.readouterr().out
    assert sc.format_line(sc.TestResult("test_nothing", 1, True)) in out.splitlines()
    assert "Visible tests: 1/1 points, 1 of 1 test cells passed." in out
    assert sc.SESSION_ENV in __import__("os").environ  # restored after the run


def test_the_scorecard_kernel_talks_over_ipc_and_prints_no_warning(tmp_path):
    """The scorecard's own kernel used TCP, and ipykernel then printed "Kernel is running over
    TCP without encryption" into the terminal (or JupyterLab's server log). It now listens on
    Unix sockets in a private folder: the run prints nothing on stderr."""
    import os
    import subprocess
    import sys

    check = (
        "from ipykernel.kernelapp import IPKernelApp\n"
        "app = IPKernelApp.instance()\n"
        "assert app.transport == 'ipc', app.transport\n"
        "folder = os.path.dirname(app.ip)\n"
        "assert os.stat(folder).st_mode & 0o077 == 0, oct(os.stat(folder).st_mode)\n"
        "open('folder.txt', 'w').write(folder)"
    )
    nb = new_notebook(cells=[new_code_cell("import os"), _test_cell(check, "test_ipc", 1)])
    nb.metadata["kernelspec"] = {"name": "python3", "language": "python",
                                 "display_name": "Python 3"}  # fmt: skip
    path = tmp_path / "ipc.ipynb"
    nbformat.write(nb, str(path))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get(
        "PYTHONPATH")])), PYTHONWARNINGS="default")  # fmt: skip
    run = subprocess.run(
        [sys.executable, "-m", "convgrade.scorecard", str(path)],
        capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, (run.stdout, run.stderr)
    assert sc.format_line(sc.TestResult("test_ipc", 1, True)) in run.stdout.splitlines()
    assert run.stderr == "", run.stderr
    folder = Path((tmp_path / "folder.txt").read_text())
    assert folder.name.startswith("scorecard-") and not folder.exists()  # removed after the run


def test_main_rejects_a_missing_notebook(tmp_path):
    with pytest.raises(SystemExit):
        sc.main([str(tmp_path / "missing.ipynb")])


# -- progress lines ----------------------------------------------------------------------------
def test_epoch_progress_reports_copies_and_goes_quiet_after_the_block(capsys):
    torch = pytest.importorskip("torch")
    net = torch.nn.Linear(3, 1)
    with epoch_progress(net, 10, "fit", every=2):
        twin = copy.deepcopy(net)  # as chapter 12's fine_tune copies the pretrained network
        for _ in range(4):
            for _ in range(2):
                twin(torch.zeros(5, 3))
        net.eval()
        net(torch.zeros(10, 3))  # evaluation does not count
    twin(torch.zeros(100, 3))  # after the block: silent
    lines = capsys.readouterr().out.splitlines()
    assert [ln.split(" s")[0].rsplit(",", 1)[0] for ln in lines] == [
        "fit: epoch 2, 20 examples",
        "fit: epoch 4, 40 examples",
    ]
    with pytest.raises(ValueError, match="samples_per_epoch"), epoch_progress(net, 0, "fit"):
        pass
