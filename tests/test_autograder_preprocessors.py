"""The preprocessors the grader adds after execution, on notebooks built here (no kernel runs).

``StderrToStdout``: nbgrader scores a graded cell 0 for any stderr output
(``nbgrader.utils.determine_grade``); after the preprocessor the score depends only on error
outputs, the stderr text stays visible as ``[stderr]`` lines and the cells are recorded."""

from __future__ import annotations

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output
from nbgrader.preprocessors import Execute
from nbgrader.utils import determine_grade

from autograder.preprocessors import ClipOutput, StderrToStdout, keep_stderr_pipeline


def _cell(grade_id, outputs, *, grade=True, solution=False, points=2):
    meta = {
        "nbgrader": {
            "grade_id": grade_id,
            "grade": grade,
            "solution": solution,
            "locked": not solution,
            "points": points,
            "schema_version": 3,
        }
    }
    cell = new_code_cell("pass", metadata=meta)
    cell.outputs = outputs
    return cell


def _stream(name, text):
    return new_output("stream", name=name, text=text)


def _error():
    return new_output(
        "error", ename="AssertionError", evalue="wrong", traceback=["AssertionError: wrong"]
    )


WARNING = "x.py:3: RuntimeWarning: divide by zero\n  y = x / 0\n"


def _notebook():
    return new_notebook(
        cells=[
            _cell("answer", [_stream("stderr", "debug\n")], grade=False, solution=True),
            _cell("test_warning", [_stream("stdout", "ok\n"), _stream("stderr", WARNING)]),
            _cell("test_wrong", [_stream("stderr", "debug\n"), _error()]),
            _cell("test_quiet", [_stream("stdout", "fine\n")]),
            new_code_cell("print(1)", outputs=[_stream("stderr", "free cell\n")]),
        ]
    )


def test_nbgrader_alone_scores_stderr_zero():
    nb = _notebook()
    assert [determine_grade(c)[0] for c in nb.cells[1:4]] == [0, 0, 2]


def test_stderr_no_longer_costs_points_and_is_recorded():
    nb, _ = StderrToStdout().preprocess(_notebook(), {})
    answer, warning, wrong, quiet, free = nb.cells
    assert [determine_grade(c)[0] for c in (warning, wrong, quiet)] == [
        2,
        0,
        2,
    ]  # an error still scores 0
    assert [(o.name, o.text) for o in warning.outputs] == [
        ("stdout", "ok\n"),
        ("stdout", "[stderr] x.py:3: RuntimeWarning: divide by zero\n[stderr]   y = x / 0\n"),
    ]
    assert wrong.outputs[0].name == "stdout" and wrong.outputs[1].output_type == "error"
    assert (
        answer.outputs[0].name == "stderr" and free.outputs[0].name == "stderr"
    )  # not graded: left
    assert nb.metadata["autograder"]["stderr"] == [
        {"cell_index": 1, "grade_id": "test_warning", "chars": len(WARNING)},
        {"cell_index": 2, "grade_id": "test_wrong", "chars": len("debug\n")},
    ]
    nbformat.validate(nb)


def test_the_guard_metadata_is_kept_and_a_quiet_notebook_records_nothing():
    nb = new_notebook(cells=[_cell("test_quiet", [_stream("stdout", "fine\n")])])
    nb.metadata["autograder"] = {"guard": "on", "violations": []}
    nb, _ = StderrToStdout().preprocess(nb, {})
    assert nb.metadata["autograder"] == {"guard": "on", "violations": [], "stderr": []}


def test_the_pipeline_runs_it_right_after_execution():
    pipeline = keep_stderr_pipeline()
    assert pipeline[pipeline.index(Execute) + 1] is StderrToStdout
    assert keep_stderr_pipeline([Execute, ClipOutput]) == [Execute, StderrToStdout, ClipOutput]
    with pytest.raises(ValueError, match="no Execute"):
        keep_stderr_pipeline([ClipOutput])


def test_the_course_config_uses_it(tmp_path):
    """Plain ``nbgrader autograde`` in this course (and tests/test_graders.py) scores as the class
    grader does."""
    from traitlets.config.loader import PyFileConfigLoader

    from tests.grading.harness import REPO

    config = PyFileConfigLoader("nbgrader_config.py", path=str(REPO)).load_config()
    assert StderrToStdout in config.Autograde.autograde_preprocessors
