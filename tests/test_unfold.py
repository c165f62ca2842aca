"""convkit.functional.unfold (im2col) against torch.nn.functional.unfold and conv2d, over a grid."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import convkit
from convkit.functional.unfold import conv2d_unfold, unfold

SIZES = [(5, 7), (6, 6), (3, 4), (9, 2)]
KERNELS = [1, 2, 3, (2, 3), (3, 1)]
DILATIONS = [1, 2, (1, 2)]
PADDINGS = [0, 1, (2, 0)]
STRIDES = [1, 2, (3, 1)]


def _grid():
    return itertools.product(KERNELS, DILATIONS, PADDINGS, STRIDES)


@pytest.mark.parametrize("size", SIZES)
def test_unfold_grid_matches_torch(size):
    x = np.random.default_rng(sum(size)).standard_normal((2, 3) + size)
    t = torch.from_numpy(x)
    checked = 0
    for k, d, p, s in _grid():
        try:
            want = F.unfold(t, k, d, p, s).numpy()
        except RuntimeError:
            with pytest.raises(ValueError):
                unfold(x, k, d, p, s)
            continue
        got = unfold(x, k, d, p, s)
        assert got.shape == want.shape, (k, d, p, s)
        np.testing.assert_array_equal(got, want, err_msg=str((k, d, p, s)))
        checked += 1
    assert checked >= 60


def test_unfold_keywords_unbatched_and_float32():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((4, 7, 6)).astype(np.float32)
    want = F.unfold(torch.from_numpy(x), kernel_size=(2, 3), dilation=2, padding=1, stride=(2, 1))
    got = unfold(x, kernel_size=(2, 3), dilation=2, padding=1, stride=(2, 1))
    assert got.dtype == np.float32
    assert got.shape == tuple(want.shape) == (4 * 2 * 3, got.shape[1])
    np.testing.assert_array_equal(got, want.numpy())


def test_unfold_returns_a_copy_not_a_view():
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    cols = unfold(x, 2)
    cols[...] = -1.0
    assert x.min() == 0.0
    assert cols.flags["C_CONTIGUOUS"]


def test_unfold_bad_arguments():
    x = np.zeros((1, 1, 4, 4))
    with pytest.raises(ValueError, match="input"):
        unfold(np.zeros((4, 4)), 2)
    with pytest.raises(ValueError, match="kernel_size"):
        unfold(x, 0)
    with pytest.raises(ValueError, match="padding"):
        unfold(x, 2, padding=-1)
    with pytest.raises(TypeError, match="stride"):
        unfold(x, 2, stride=1.5)
    with pytest.raises(ValueError, match="input height"):
        unfold(x, 5)


@pytest.mark.parametrize("groups_of_args", list(itertools.product([1, 2, (1, 2)], [0, 1], [1, 2])))
def test_conv2d_unfold_equals_conv2d_and_torch(groups_of_args):
    s, p, d = groups_of_args
    rng = np.random.default_rng(7)
    for shape, wshape in [((2, 3, 8, 7), (4, 3, 3, 2)), ((1, 1, 5, 5), (2, 1, 1, 3))]:
        x, w, b = (
            rng.standard_normal(shape),
            rng.standard_normal(wshape),
            rng.standard_normal(wshape[0]),
        )
        got = conv2d_unfold(x, w, b, stride=s, padding=p, dilation=d)
        np.testing.assert_allclose(got, convkit.conv2d(x, w, b, s, p, d), rtol=1e-12, atol=1e-12)
        want = F.conv2d(torch.from_numpy(x), torch.from_numpy(w), torch.from_numpy(b), s, p, d)
        np.testing.assert_allclose(got, want.numpy(), rtol=1e-12, atol=1e-12)
    got = conv2d_unfold(x[0], w, stride=s, padding=p, dilation=d)
    np.testing.assert_allclose(got, convkit.conv2d(x[0], w, None, s, p, d), rtol=1e-12, atol=1e-12)


def test_conv2d_unfold_bad_arguments():
    with pytest.raises(ValueError, match="input channels"):
        conv2d_unfold(np.zeros((1, 2, 4, 4)), np.zeros((1, 3, 2, 2)))
    with pytest.raises(ValueError, match="bias"):
        conv2d_unfold(np.zeros((1, 2, 4, 4)), np.zeros((1, 2, 2, 2)), bias=np.zeros(2))


def test_unfold_memory_ratio_formula():
    """The chapter's memory claim: the unfolded matrix holds C kh kw L values against C H W."""
    for (h, w), k, s, p in itertools.product([(32, 32), (28, 20)], [3, 5], [1, 2], [0, 1]):
        x = np.zeros((1, 3, h, w))
        cols = unfold(x, k, padding=p, stride=s)
        oh = (h + 2 * p - k) // s + 1
        ow = (w + 2 * p - k) // s + 1
        assert cols.size == 3 * k * k * oh * ow
        assert cols.size == F.unfold(torch.from_numpy(x), k, 1, p, s).numel()
