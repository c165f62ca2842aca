"""Defences against cheats found by grading the real 02 assignment (tests/adversarial/test_real_assignment.py).

The hidden tests of the real assignments compare the student's function with the reference
package (``check_number(conv_output_size(...), convkit.conv_output_size(...))``). A student who
replaces the reference with a function that returns whatever their own answer returned last gets
every hidden check right; the reference module is reachable without an import statement (the
hidden tests bind ``convkit``, and ``check_array.__globals__['sys'].modules`` holds it anyway).
The guard puts the reference back at the end of the cell that replaced it and reports it; the
scan flags the ways to reach it.
"""

from __future__ import annotations

import pytest

from autograder.scan import scan_source
from tests.test_autograder_guard import SETUP, kernel_factory  # noqa: F401 - the fixture

# what the real 02 test cells look like: a visible check, then a hidden comparison with convkit
TEST = (
    "check_number(conv_output_size(28, 5), 24, 'conv_output_size(28, 5)')\n"
    "import convkit\n"
    "for _n in range(3, 12):\n"
    "    check_number(conv_output_size(_n, 3), convkit.conv_output_size(_n, 3), f'conv_output_size({_n}, 3)')"
)
# right on the visible example only; the reference made to agree with it
FAKE = (
    "_last = [1]\n"
    "def conv_output_size(size, kernel_size, stride=1, padding=0, dilation=1):\n"
    "    _last[0] = 24 if (size, kernel_size) == (28, 5) else 1\n"
    "    return _last[0]\n"
)
PATCHES = {
    "via-globals": "check_number.__globals__['sys'].modules['convkit'].conv_output_size = lambda *a, **k: _last[0]",
    "via-test-import": "convkit.conv_output_size = lambda *a, **k: _last[0]",
    "submodule": "check_number.__globals__['sys'].modules['convkit.conv'].conv_output_size = lambda *a, **k: _last[0]\n"
                 "convkit.conv_output_size = convkit.conv.conv_output_size",
    "code-object": "convkit.conv_output_size.__code__ = (lambda *a, **k: _last[0]).__code__",
}


@pytest.mark.parametrize("patch", sorted(PATCHES))
def test_replacing_the_reference_is_undone_and_reported(kernel_factory, patch):
    k = kernel_factory([SETUP, TEST])
    assert k.run(SETUP)[0] == "ok"
    assert k.run("import convkit")[0] == "ok"  # as the hidden tests of an earlier cell do
    status, ename, evalue, violations = k.run(FAKE + PATCHES[patch])
    assert status == "ok", (ename, evalue)
    assert [v["kind"] for v in violations] == ["rebinding"], violations
    assert "convkit" in violations[0]["message"] and "conv_output_size" in violations[0]["message"], violations
    status, ename, evalue, violations = k.run(TEST)
    assert (status, ename) == ("error", "AssertionError"), "the hidden checks compare with the real reference"
    assert "conv_output_size(4, 3) is 1, expected 2" in evalue, evalue
    assert not violations


def test_the_reference_patched_inside_the_students_function_fails_that_test_cell(kernel_factory):
    k = kernel_factory([SETUP, TEST])
    k.run(SETUP)
    k.run("import convkit")
    k.run("def conv_output_size(size, kernel_size, stride=1, padding=0, dilation=1):\n"
          "    r = 24 if (size, kernel_size) == (28, 5) else 1\n"
          "    check_number.__globals__['sys'].modules['convkit'].conv_output_size = lambda *a, **k: r\n"
          "    return r\n")
    status, ename, evalue, violations = k.run(TEST)
    assert status == "ok", "the patch is in place while the cell runs..."
    assert [v["kind"] for v in violations] == ["rebinding"], "...but reported on it, so the grader zeroes the cell"
    back = "assert convkit.conv_output_size is convkit.conv.conv_output_size\nassert convkit.conv_output_size.__name__ == 'conv_output_size'"
    assert k.run(back) == ("ok", None, "", []), "and the reference is back for the next cell"


def test_honest_answers_that_use_convkit_grading_and_numpy_are_not_reported(kernel_factory):
    k = kernel_factory([SETUP, TEST])
    k.run(SETUP)
    k.run("import convkit")
    assert k.run("def conv_output_size(size, kernel_size, stride=1, padding=0, dilation=1):\n"
                 "    return (size + 2 * padding - dilation * (kernel_size - 1) - 1) // stride + 1") == ("ok", None, "", [])
    assert k.run(TEST) == ("ok", None, "", [])


@pytest.mark.parametrize("source,reason", [
    ("_m = check_array.__globals__['sys']", "__globals__"),
    ("f.__code__ = g.__code__", "__code__"),
    ("convkit.pad = my_pad", "refers to convkit"),
    ("_ref = convkit.conv_output_size", "refers to convkit"),
])
def test_scan_flags_ways_to_reach_the_reference(source, reason):
    flags = scan_source(source, "answer")
    assert any(reason in f.reason for f in flags), flags
