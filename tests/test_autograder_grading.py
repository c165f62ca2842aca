"""convgrade's check helpers against adversarial answers: objects that compare equal to anything, subclasses,
and calls into forbidden implementations through every kind of alias (call_student)."""

from __future__ import annotations

import threading

import numpy as np
import pytest

import convkit
from convgrade import (
    DEFAULT_FORBIDDEN,
    ForbiddenCallError,
    ForbiddenPolicy,
    call_student,
    check_array,
    check_number,
    check_shape,
)


class AlwaysEqual:
    """Compares equal to everything, is truthy, converts to anything."""

    shape = (2, 2)
    dtype = np.dtype(float)

    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    def __bool__(self):
        return True

    def __float__(self):
        return 1.0

    def __array__(self, dtype=None, copy=None):
        return np.ones((2, 2))


class EqualArray(np.ndarray):
    def __eq__(self, other):
        return np.ones(np.broadcast(self, other).shape, dtype=bool)


class EqualFloat(float):
    def __eq__(self, other):
        return True


class EqualInt(int):
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False


class EqualTuple(tuple):
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False


@pytest.mark.parametrize("cheat", [AlwaysEqual(), np.zeros((2, 2)).view(EqualArray), np.ma.masked_all((2, 2)),
                                   [[1.0, 1.0], [1.0, 1.0]], np.array([[1, 1], [1, 1]], dtype=object)],
                         ids=["always-equal", "ndarray-subclass", "masked", "list", "object-dtype"])
def test_check_array_rejects_what_is_not_a_plain_real_ndarray(cheat):
    with pytest.raises(AssertionError, match="should be a numpy.ndarray|should hold real numbers"):
        check_array(cheat, np.ones((2, 2)))


def test_check_array_names_the_first_differing_index():
    got = np.zeros((2, 3, 4))
    got[1, 2, 3] = 5.0
    with pytest.raises(AssertionError, match=r"y differs at index \(1, 2, 3\): got 5\.0, expected 0\.0 \(1 of 24"):
        check_array(got, np.zeros((2, 3, 4)), "y")
    with pytest.raises(AssertionError, match=r"y has shape \(2, 3, 4\), expected \(2, 3\)"):
        check_array(got, np.zeros((2, 3)), "y")
    with pytest.raises(AssertionError, match="differs at index"):
        check_array(np.array([np.nan]), [np.nan])  # NaN never counts as equal


def test_a_float32_answer_is_checked_at_float32_precision():
    """A correct single-precision answer passes checks written for float64 (even rtol=1e-12);
    an answer off by more than 1e-5 (relative or absolute) fails, float32 or not."""
    from convgrade.checks import FLOAT32_ATOL, FLOAT32_RTOL

    assert (FLOAT32_RTOL, FLOAT32_ATOL) == (1e-5, 1e-5)
    rng = np.random.default_rng(0)
    x, k = rng.standard_normal((9, 9)), rng.standard_normal((5, 5))
    expected = convkit.corr2d(x, k)
    single = convkit.corr2d(x.astype(np.float32), k.astype(np.float32)).astype(np.float32)
    assert single.dtype == np.float32 and not np.allclose(single, expected, rtol=1e-12, atol=0)
    check_array(single, expected, "corr2d in float32", rtol=1e-12)
    for off in (3e-5, -3e-5):
        wrong = single.copy()
        wrong[2, 3] = expected[2, 3] * (1 + off) + off
        with pytest.raises(AssertionError, match=r"differs at index \(2, 3\)"):
            check_array(wrong, expected, "corr2d in float32")
    with pytest.raises(AssertionError, match="differs at index"):  # float64 keeps rtol=1e-6
        check_array(expected * (1 + 3e-6), expected)
    check_number(np.float32(0.1), 0.1)  # 1.5e-9 off in float32, more than the default rtol=1e-9
    with pytest.raises(AssertionError, match="expected 0.1"):
        check_number(np.float32(0.1) * np.float32(1.0001), 0.1)
    with pytest.raises(AssertionError, match="expected 0.1"):
        check_number(float(np.float32(0.1)), 0.1)  # the same value as a Python float: rtol=1e-9


@pytest.mark.parametrize("cheat", [AlwaysEqual(), EqualFloat(4.0), EqualInt(3), True, np.bool_(True), np.array(4.0),
                                   "4", None], ids=lambda v: type(v).__name__)
def test_check_number_rejects_subclasses_and_non_numbers(cheat):
    with pytest.raises(AssertionError, match="should be a number"):
        check_number(cheat, 4)


@pytest.mark.parametrize("value", [4, 4.0, np.int64(4), np.float32(4.0), np.uint8(4)], ids=lambda v: type(v).__name__)
def test_check_number_accepts_plain_numbers(value):
    check_number(value, 4)
    with pytest.raises(AssertionError, match="is .*, expected 5"):
        check_number(value, 5)


def test_check_shape_rejects_equal_to_anything_tuples_and_ints():
    with pytest.raises(AssertionError, match="should be a tuple, got EqualTuple"):
        check_shape(EqualTuple((1, 2)), (3, 4))
    with pytest.raises(AssertionError, match=r"shape\[1\] should be an int, got EqualInt"):
        check_shape((3, EqualInt(0)), (3, 4))
    with pytest.raises(AssertionError, match=r"shape\[0\] should be an int, got bool"):
        check_shape((True, 4), (1, 4))
    with pytest.raises(AssertionError, match=r"\(3 entries instead of 2\)"):
        check_shape((1, 2, 3), (1, 2))
    check_shape((np.int64(3), 4), (3, 4))


def test_check_shape_accepts_a_torch_size():
    torch = pytest.importorskip("torch")
    check_shape(torch.zeros(2, 3).shape, (2, 3), "x.shape")
    with pytest.raises(AssertionError, match=r"x\.shape is \(2, 3\), expected \(3, 2\) \(differs at index 0\)"):
        check_shape(torch.zeros(2, 3).shape, (3, 2), "x.shape")


# ------------------------------------------------------------------------- call_student

_X = np.arange(25.0).reshape(5, 5)
_K = np.array([[1.0, 2.0], [0.0, -1.0]])
_captured = convkit.corr2d  # an alias captured at import time, as a cheat would


def _honest(x, k):
    kh, kw = k.shape
    oh, ow = x.shape[0] - kh + 1, x.shape[1] - kw + 1
    out = np.zeros((oh, ow))
    for a in range(kh):
        for b in range(kw):
            out += k[a, b] * x[a:a + oh, b:b + ow]
    return out


def _via_alias(x, k):
    return _captured(x, k)


def _via_getattr(x, k):
    return getattr(convkit, "corr" + "2d")(x, k)


def _via_lambda(x, k):
    return (lambda *a: convkit.conv2d(a[0][None, None], a[1][None, None])[0, 0])(x, k)


def _via_thread(x, k):
    box = []
    t = threading.Thread(target=lambda: box.append(convkit.corr2d(x, k)))
    t.start()
    t.join()
    return box[0] if box else np.zeros((4, 4))


def _via_scipy(x, k):
    import scipy.signal

    return scipy.signal.correlate2d(x, k, mode="valid")


def _via_ndimage(x, k):
    import scipy.ndimage

    return scipy.ndimage.correlate(x, k)[:-1, :-1]


def _via_torch(x, k):
    import torch
    import torch.nn.functional as F

    conv = F.conv2d
    return conv(torch.from_numpy(x)[None, None], torch.from_numpy(k)[None, None])[0, 0].numpy()


def _via_torch_module(x, k):
    import torch

    layer = torch.nn.Conv2d(1, 1, 2, bias=False).double()
    with torch.no_grad():
        layer.weight[:] = torch.from_numpy(k)[None, None]
        return layer(torch.from_numpy(x)[None, None])[0, 0].numpy()


def _retries_after_catching(x, k):
    for _ in range(2):
        try:
            return convkit.corr2d(x, k)
        except BaseException:
            pass
    return np.zeros((4, 4))


def _switches_the_watch_off(x, k):
    import sys

    sys.setprofile(None)
    return convkit.corr2d(x, k)


def _switches_threads_off(x, k):
    threading.setprofile(None)
    return _honest(x, k)


def test_an_honest_function_runs_and_returns():
    out = call_student(_honest, _X, _K)
    check_array(out, convkit.corr2d(_X, _K))


def test_check_helpers_may_be_called_by_the_student():
    def uses_check(x):
        check_array(x, x)
        return x

    assert call_student(uses_check, _X) is _X


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
@pytest.mark.parametrize("fn, culprit", [
    (_via_alias, "convkit.functional.conv.corr2d"),
    (_via_getattr, "convkit.functional.conv.corr2d"),
    (_via_lambda, "convkit.functional.conv.conv2d"),
    (_via_thread, "convkit.functional.conv.corr2d"),
    (_via_scipy, "scipy.signal"),
    (_via_ndimage, "scipy.ndimage"),
    (_via_torch, "torch.conv2d"),
    (_via_torch_module, "torch.nn.modules.conv"),
    (_retries_after_catching, "convkit.functional.conv.corr2d"),
], ids=lambda v: getattr(v, "__name__", v))
def test_a_forbidden_implementation_is_caught_whatever_the_name(fn, culprit):
    with pytest.raises(ForbiddenCallError, match=f"{fn.__name__} called {culprit}"):
        call_student(fn, _X, _K)


@pytest.mark.parametrize("fn, culprit", [(_switches_the_watch_off, "sys.setprofile"),
                                         (_switches_threads_off, "threading.setprofile")])
def test_switching_the_watch_off_is_caught(fn, culprit):
    with pytest.raises(ForbiddenCallError, match=f"called {culprit}, which would switch off"):
        call_student(fn, _X, _K)


def test_the_previous_profiler_is_restored():
    import sys

    events = []

    def outer(frame, event, arg):
        events.append(event)

    sys.setprofile(outer)
    try:
        call_student(_honest, _X, _K)
        with pytest.raises(ForbiddenCallError):
            call_student(_via_alias, _X, _K)
        assert sys.getprofile() is outer
    finally:
        sys.setprofile(None)


def test_the_policy_can_allow_torch_for_chapters_that_build_models():
    out = call_student(_via_torch_module, _X, _K, forbidden=("convkit",))
    check_array(np.ascontiguousarray(out), convkit.corr2d(_X, _K))
    with pytest.raises(ForbiddenCallError):
        call_student(_via_alias, _X, _K, forbidden=("convkit",))


def test_importing_a_forbidden_module_inside_the_function_is_not_a_call():
    def imports_only(x):
        import scipy.signal  # noqa: F401 - imported, never called

        return x

    assert call_student(imports_only, _X, forbidden=("scipy",)) is _X


def test_forbidden_policy_matching():
    policy = ForbiddenPolicy()
    assert policy.forbidden == DEFAULT_FORBIDDEN
    import torch

    assert policy.builtin_name(torch.conv2d) == "torch.conv2d"
    assert policy.builtin_name(torch._C._nn.avg_pool2d) == "torch._C._nn.avg_pool2d"
    assert policy.builtin_name(torch.matmul) is None
    assert policy.builtin_name(torch.Tensor.unfold) is None  # a view, not a convolution
    import scipy.signal

    assert policy.code_name(scipy.signal.correlate2d.__code__, "scipy.signal._signaltools").startswith("scipy.signal")
    # the check helpers live outside the student package: no exemption is needed for them
    assert policy.allow == ()
    assert policy.code_name(check_array.__code__, "convgrade.checks") is None
    assert ForbiddenPolicy(["convgrade"]).code_name(check_array.__code__, "convgrade.checks") == \
        "convgrade.checks.check_array"
    assert policy.is_tampering("sys.setprofile") and not policy.is_tampering("convkit.functional.conv.corr2d")


@pytest.mark.parametrize("kwargs, error, name", [
    ({"forbidden": "convkit"}, TypeError, "forbidden"),
    ({"allow": "convgrade"}, TypeError, "forbidden, allow"),
    ({"forbidden": ["convkit", 3]}, TypeError, "forbidden"),
    ({"forbidden": ["convkit", ""]}, TypeError, "forbidden"),
    ({"tampering": [None]}, TypeError, "tampering"),
])
def test_forbidden_policy_rejects_bad_arguments(kwargs, error, name):
    with pytest.raises(error, match=name):
        ForbiddenPolicy(**kwargs)


def test_call_student_rejects_a_non_callable():
    with pytest.raises(TypeError, match="fn must be callable"):
        call_student(np.zeros(3))


@pytest.mark.parametrize("check, args", [
    (check_array, (np.array([1.0, 2.5]), [1.0, 2.0], "y")),
    (check_number, (3.0, 4, "size")),
    (check_shape, ((2, 3), (2, 4), "y.shape")),
])
def test_a_failing_check_is_drawn_without_the_helpers_frames(check, args):
    """What IPython shows a student (``_render_traceback_``): the test's line and the message."""
    try:
        check(*args)
    except AssertionError as err:
        assert type(err) is AssertionError
        drawn = "\n".join(err._render_traceback_())
        message = str(err)
    else:
        raise AssertionError("the check passed")
    assert "check(*args)" in drawn and message in drawn, drawn
    assert "convgrade" not in drawn and "raise _failure" not in drawn, drawn


@pytest.mark.parametrize("assignment", ["02-convolution-layers", "11-dropout"])
def test_the_assignment_states_the_tolerances_the_checks_use(assignment):
    """The introduction of the notebook names check_array's default and float32 tolerances."""
    import inspect

    import nbformat

    from convgrade.checks import FLOAT32_ATOL, FLOAT32_RTOL
    from tests.grading import harness as h

    def fmt(v):
        return np.format_float_scientific(v, trim="-", exp_digits=1)

    nb = nbformat.read(h.SOLUTIONS / assignment / f"{assignment}.ipynb", as_version=4)
    intro = " ".join(nb.cells[0].source.split())
    assert FLOAT32_RTOL == FLOAT32_ATOL and f"rtol = atol = {fmt(FLOAT32_RTOL)}" in intro
    default_rtol = inspect.signature(check_array).parameters["rtol"].default
    assert f"relative tolerance of {fmt(default_rtol)}" in intro
