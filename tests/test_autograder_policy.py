"""One grading policy per assignment, read by the scan, the guard and the batch command alike."""

from __future__ import annotations

import json

import nbformat
import pytest

from autograder import batch, scan
from convgrade import DEFAULT_FORBIDDEN, GradingPolicy, load_policy
from tests.grading import harness as h

TORCH_IMPORT = "import torch\nimport torch.nn.functional as F\nfrom torch import nn\n"


def test_torch_model_chapter_scan_agrees_with_its_guard():
    """Chapter 09's guard allows torch; its scan flagged ``import torch.nn.functional as F``."""
    policy = load_policy(h.SOLUTIONS / "09-lenet-to-resnet")
    assert policy.forbidden_calls == ("convkit",)
    assert scan.scan_source(TORCH_IMPORT, "answer", policy) == []
    assert [f.reason for f in scan.scan_source("import convkit.nn", "answer", policy)] == [
        "imports convkit.nn"]
    guard = batch.guard_config(policy, ["abc"])
    assert guard.forbidden == ("convkit",) and guard.allow == ()


def test_numpy_chapter_still_flags_torch():
    policy = load_policy(h.SOLUTIONS / "02-convolution-layers")
    assert policy == GradingPolicy() and policy.forbidden_calls == DEFAULT_FORBIDDEN
    reasons = [f.reason for f in scan.scan_source(TORCH_IMPORT, "answer", policy)]
    assert reasons == ["imports torch", "imports torch.nn.functional", "imports from torch"]
    assert batch.guard_config(policy, []).forbidden == DEFAULT_FORBIDDEN


@pytest.mark.parametrize("assignment", h.assignments())
def test_no_answer_of_a_solution_imports_what_its_policy_flags(assignment):
    """Every answer cell of every solution: no import flagged under the assignment's own policy."""
    policy = load_policy(h.SOLUTIONS / assignment)
    for notebook in h.notebooks(assignment):
        nb = nbformat.read(h.SOLUTIONS / assignment / f"{notebook}.ipynb", as_version=4)
        for cell in nb.cells:
            meta = h.nbgrader_meta(cell)
            if cell.cell_type == "code" and meta.get("solution"):
                source = h.strip_solution_markers(cell.source)
                flags = [f for f in scan.scan_source(source, meta["grade_id"], policy)
                         if f.reason.startswith("imports")]
                assert flags == [], (assignment, [str(f) for f in flags])


def test_only_the_torch_model_chapters_override_the_defaults():
    overridden = sorted(
        a for a in h.assignments() if load_policy(h.SOLUTIONS / a) != GradingPolicy())
    assert overridden == ["07-3d-convolution", "09-lenet-to-resnet", "12-transfer-learning"]


def test_the_student_package_needs_no_exemption():
    policy = GradingPolicy().forbidden_policy()
    assert policy.allow == ()
    import convgrade.checks

    assert policy.code_name(convgrade.checks.check_array.__code__, "convgrade.checks") is None
    assert not GradingPolicy().import_flagged("convgrade")


def test_grading_json_errors_name_the_file_and_key(tmp_path):
    (tmp_path / "grading.json").write_text(json.dumps({"forbidden": ["convkit"]}))
    with pytest.raises(ValueError, match=r"grading\.json: unknown key\(s\) forbidden"):
        load_policy(tmp_path)
    (tmp_path / "grading.json").write_text(json.dumps({"forbidden_calls": "convkit"}))
    with pytest.raises(ValueError, match="forbidden_calls must be a list"):
        load_policy(tmp_path)
    (tmp_path / "grading.json").write_text(json.dumps(
        {"forbidden_calls": ["scipy.signal"], "forbidden_imports": ["convkit"]}))
    with pytest.raises(ValueError, match="forbidden_calls: scipy.signal"):
        load_policy(tmp_path)
    (tmp_path / "grading.json").write_text("{not json")
    with pytest.raises(ValueError, match="grading.json"):
        load_policy(tmp_path)


def test_course_dirs_reads_the_config_like_nbgrader(tmp_path):
    (tmp_path / "nbgrader_config.py").write_text(
        "c = get_config()\nc.CourseDirectory.source_directory = 'src'  # not \"solutions\"\n"
        "# c.CourseDirectory.release_directory = \"exercises\"\n")
    dirs = batch.course_dirs(tmp_path)
    assert dirs["source"] == tmp_path / "src" and dirs["release"] == tmp_path / "release"
    assert batch.course_dirs(h.REPO)["source"] == h.REPO / "solutions"
