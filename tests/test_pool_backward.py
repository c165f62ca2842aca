"""convkit.functional.pool_backward against torch autograd over a grid of arguments (float64)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from convkit.functional.pool_backward import avg_pool2d_backward, max_pool2d_backward

SIZES = [(5, 7), (6, 6), (3, 4), (9, 5)]
KERNELS = [1, 2, 3, (2, 3)]
STRIDES = [None, 1, 2, (1, 2)]
PADDINGS = [0, 1]


def _autograd(fn, x, g, *args, **kwargs):
    t = torch.from_numpy(x).requires_grad_(True)
    out = fn(t, *args, **kwargs)
    out.backward(torch.from_numpy(g))
    return t.grad.numpy()


def _grid():
    return itertools.product(KERNELS, STRIDES, PADDINGS, [False, True])


def _pool_ok(k, p):
    kk = (k, k) if isinstance(k, int) else k
    return p <= kk[0] // 2 and p <= kk[1] // 2


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("ties", [False, True])
def test_max_pool2d_backward_grid_matches_autograd(size, ties):
    rng = np.random.default_rng(sum(size) + ties)
    x = rng.standard_normal((2, 3) + size)
    if ties:  # few distinct values: many windows with equal maxima
        x = np.round(x).clip(-1, 1)
    checked = 0
    for (k, s, p, ceil), d in itertools.product(_grid(), [1, 2]):
        if not _pool_ok(k, p):
            continue
        try:
            out = F.max_pool2d(torch.from_numpy(x), k, s, p, d, ceil_mode=ceil)
        except RuntimeError:
            continue
        g = rng.standard_normal(tuple(out.shape))
        want = _autograd(F.max_pool2d, x, g, k, s, p, d, ceil_mode=ceil)
        got = max_pool2d_backward(g, x, k, s, p, d, ceil)
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12, err_msg=str((k, s, p, d)))
        checked += 1
    assert checked >= 50


def test_max_pool2d_backward_ties_go_to_the_first_maximum():
    x = np.ones((1, 1, 4, 4))
    got = max_pool2d_backward(np.ones((1, 1, 3, 3)), x, 2, stride=1)
    want = _autograd(F.max_pool2d, x, np.ones((1, 1, 3, 3)), 2, 1)
    np.testing.assert_array_equal(got, want)
    # the first (top-left) pixel of every window wins: rows and columns 0..2
    np.testing.assert_array_equal(got[0, 0], np.pad(np.ones((3, 3)), ((0, 1), (0, 1))))
    # non-overlapping windows: one winner per window, the top-left one
    got = max_pool2d_backward(np.ones((1, 1, 2, 2)), x, 2)
    np.testing.assert_array_equal(got[0, 0], [[1, 0, 1, 0], [0, 0, 0, 0], [1, 0, 1, 0], [0] * 4])


def test_max_pool2d_backward_overlap_adds_up():
    x = np.zeros((1, 1, 5, 5))
    x[0, 0, 2, 2] = 9.0  # the maximum of all nine 3x3 windows at stride 1
    got = max_pool2d_backward(np.full((1, 1, 3, 3), 0.5), x, 3, stride=1)
    assert got[0, 0, 2, 2] == 4.5 and got.sum() == 4.5
    np.testing.assert_array_equal(got, _autograd(F.max_pool2d, x, np.full((1, 1, 3, 3), 0.5), 3, 1))


def test_max_pool2d_backward_nan_and_unbatched():
    x = np.random.default_rng(3).standard_normal((2, 6, 6))
    x[1, 2, 3] = np.nan
    g = np.random.default_rng(4).standard_normal((2, 3, 3))
    want = _autograd(F.max_pool2d, x, g, 2)
    np.testing.assert_array_equal(max_pool2d_backward(g, x, 2), want)


@pytest.mark.parametrize("size", SIZES)
def test_avg_pool2d_backward_grid_matches_autograd(size):
    rng = np.random.default_rng(sum(size))
    x = rng.standard_normal((2, 3) + size)
    checked = 0
    for (k, s, p, ceil), cip, div in itertools.product(_grid(), [True, False], [None, 3]):
        if not _pool_ok(k, p):
            continue
        try:
            out = F.avg_pool2d(torch.from_numpy(x), k, s, p, ceil, cip, div)
        except RuntimeError:
            continue
        g = rng.standard_normal(tuple(out.shape))
        want = _autograd(F.avg_pool2d, x, g, k, s, p, ceil, cip, div)
        got = avg_pool2d_backward(g, x, k, s, p, ceil, cip, div)
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12, err_msg=str((k, s, p, ceil)))
        checked += 1
    assert checked >= 100


def test_avg_pool2d_backward_float32_unbatched():
    x = np.random.default_rng(5).standard_normal((3, 7, 7)).astype(np.float32)
    g = np.random.default_rng(6).standard_normal((3, 4, 4)).astype(np.float32)
    got = avg_pool2d_backward(g, x, 3, 2, 1, False, False)
    assert got.dtype == np.float32
    want = _autograd(F.avg_pool2d, x, g, 3, 2, 1, False, False)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)


def test_backward_bad_arguments():
    x = np.zeros((1, 1, 4, 4))
    with pytest.raises(ValueError, match="grad_output"):
        max_pool2d_backward(np.zeros((1, 1, 3, 3)), x, 2)
    with pytest.raises(ValueError, match="grad_output"):
        avg_pool2d_backward(np.zeros((1, 1, 3, 3)), x, 2)
    with pytest.raises(ValueError, match="padding"):
        avg_pool2d_backward(np.zeros((1, 1, 3, 3)), x, 2, padding=2)
    with pytest.raises(ValueError, match="divisor_override"):
        avg_pool2d_backward(np.zeros((1, 1, 2, 2)), x, 2, divisor_override=0)
    with pytest.raises(TypeError, match="grad_output"):
        max_pool2d_backward(np.zeros((1, 1, 2, 2), complex), x, 2)
