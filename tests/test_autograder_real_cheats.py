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

# most tests start real IPython kernels: slow, so `make test-fast` leaves the file out
pytestmark = pytest.mark.grading

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
    "submodule": "check_number.__globals__['sys'].modules['convkit.functional.conv'].conv_output_size = lambda *a, **k: _last[0]\n"
                 "convkit.conv_output_size = convkit.functional.conv.conv_output_size",
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
    back = "assert convkit.conv_output_size is convkit.functional.conv.conv_output_size\nassert convkit.conv_output_size.__name__ == 'conv_output_size'"
    assert k.run(back) == ("ok", None, "", []), "and the reference is back for the next cell"


def test_honest_answers_that_use_convgrade_and_numpy_are_not_reported(kernel_factory):
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


# ------------------------------------------------------------------------------------------------
# An answer that zeroes its inputs in place: the hidden test then runs the reference on zeros, so a
# zero answer agrees with it (right on the visible examples by a lookup, as in the real 02 pad tests).
PAD_TEST = (
    "_row = np.array([[1.0, 2.0, 3.0, 4.0, 5.0]])\n"
    "check_array(pad(_row, (2, 2, 0, 0), mode='reflect'), [[3, 2, 1, 2, 3, 4, 5, 4, 3]], 'pad(row, reflect)')\n"
    "import convkit\n"
    "_rng = np.random.default_rng(4002)\n"
    "for _ in range(3):\n"
    "    _x = _rng.standard_normal((2, 5, 6))\n"
    "    check_array(pad(_x, (1, 2, 3, 4), mode='reflect'), convkit.pad(_x, (1, 2, 3, 4), mode='reflect'), 'pad(x)')"
)
ZEROING_PAD = (
    "def pad(x, pad, mode='constant', value=0.0):\n"
    "    left, right, top, bottom = pad\n"
    "    if x.shape == (1, 5):\n"
    "        return np.array([[3, 2, 1, 2, 3, 4, 5, 4, 3]], dtype=float)\n"
    "    {zero}\n"
    "    return np.zeros(x.shape[:-2] + (x.shape[-2] + top + bottom, x.shape[-1] + left + right))\n"
)


@pytest.mark.parametrize("zero", ["x[...] = 0.0", "x *= 0", "np.copyto(x, 0.0)", "x.fill(0.0); x.flags.writeable = False",
                                  "_helper(x)"])
def test_an_answer_that_zeroes_its_inputs_fails_the_test_cell(kernel_factory, zero):
    k = kernel_factory([SETUP, PAD_TEST])
    k.run(SETUP)
    status, ename, evalue, _ = k.run("def _helper(a):\n    a[...] = 0.0\n" + ZEROING_PAD.format(zero=zero))
    assert status == "ok", evalue
    status, ename, evalue, violations = k.run(PAD_TEST)
    assert [v["kind"] for v in violations] == ["changed-input"], (violations, ename, evalue)
    assert "pad changed its argument x in place" in violations[0]["message"]
    if "writeable" not in zero:  # put back before the reference runs: the comparison itself fails
        assert (status, ename) == ("error", "AssertionError") and "pad(x) differs" in evalue, (ename, evalue)


def test_an_answer_that_leaves_its_inputs_alone_is_not_reported(kernel_factory):
    k = kernel_factory([SETUP, PAD_TEST])
    k.run(SETUP)
    # a copy changed in place, a helper of its own that changes its own array: all fine
    k.run("def _fill(a):\n    a[...] = 1.0\n    return a\n"
          "def pad(x, pad, mode='constant', value=0.0):\n"
          "    x = np.array(x, dtype=float)\n"
          "    x += 0.0\n"
          "    _fill(np.empty(3))\n"
          "    left, right, top, bottom = pad\n"
          "    w = [(0, 0)] * (x.ndim - 2) + [(top, bottom), (left, right)]\n"
          "    return np.pad(x, w, mode='reflect')\n")
    assert k.run(PAD_TEST) == ("ok", None, "", [])


# ------------------------------------------------------------------------------------------------
# A stand-in module in sys.modules: the hidden tests' own `import convkit` then returns it.
FAKE_MODULE = (
    "import os, types\n"
    "_fake = types.ModuleType('convkit')\n"
    "_fake.conv_output_size = lambda *a, **k: _last[0]\n"
    "{where}['convkit'] = _fake"
)


@pytest.mark.parametrize("where", ["os.sys.modules", "np._pytesttester.sys.modules"])
def test_a_stand_in_reference_module_is_undone_and_reported(kernel_factory, where):
    k = kernel_factory([SETUP, TEST])
    k.run(SETUP)
    status, ename, evalue, violations = k.run(FAKE + FAKE_MODULE.format(where=where))
    assert status == "ok", (ename, evalue)
    assert [v["kind"] for v in violations] == ["rebinding"], violations
    assert "sys.modules['convkit']" in violations[0]["message"], violations
    status, ename, evalue, violations = k.run(TEST)
    assert (status, ename) == ("error", "AssertionError") and "conv_output_size(4, 3) is 1, expected 2" in evalue, evalue
    assert not violations
    scan = scan_source(FAKE_MODULE.format(where=where), "answer")
    assert any("sys.modules" in f.reason for f in scan), scan


# ------------------------------------------------------------------------------------------------
# Found checking every solution under the class grader: assignment 12's setup cell builds a
# convkit.training.pretrain.PretrainConfig, whose dataclass-generated __init__ (compiled from a string, so
# counted as the student's) calls __post_init__: the instructor's own setup was a forbidden call and
# the solution scored 0/17.
def test_a_library_dataclass_built_by_an_instructor_cell_is_not_the_students(kernel_factory):
    setup = SETUP + "\nfrom convkit.training.pretrain import PretrainConfig\n_cfg = PretrainConfig(epochs=2)"
    test = "assert make(3).epochs == 3"
    k = kernel_factory([setup, test], forbidden=["convkit"])
    assert k.run(setup) == ("ok", None, "", [])
    # a student calling it is still caught, through the generated __init__
    k.run("def make(n):\n    return PretrainConfig(epochs=n)")
    status, ename, evalue, violations = k.run(test)
    assert ename == "ForbiddenCallError" and "student code in make" in evalue and "convkit.training.pretrain" in evalue, evalue
    assert [v["kind"] for v in violations] == ["forbidden-call"]


def test_code_a_student_compiles_with_a_library_modules_globals_is_still_the_students(kernel_factory):
    k = kernel_factory([SETUP, TEST])
    k.run(SETUP)
    k.run("import convkit")
    k.run("import sys\n"
          "exec('def _size(*a, **k):\\n    return conv_output_size(*a, **k)', vars(sys.modules['convkit.functional.conv']))\n"
          "conv_output_size = vars(sys.modules['convkit.functional.conv']).pop('_size')")
    status, ename, evalue, violations = k.run(TEST)
    assert ename == "ForbiddenCallError", (status, ename, evalue, violations)
