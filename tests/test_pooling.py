"""convkit.functional.pooling against torch.nn.functional over a grid of arguments (float64)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from convkit.functional.pooling import (
    adaptive_avg_pool2d,
    avg_pool2d,
    max_pool2d,
    max_unpool2d,
    pool_output_size,
)

SIZES = [(5, 7), (6, 6), (2, 3), (9, 4)]
KERNELS = [1, 2, 3, (2, 3)]
STRIDES = [None, 1, 2, 3, (1, 2)]
PADDINGS = [0, 1, (1, 0)]


def _rand(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def _torch_or_error(fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs), None
    except RuntimeError as err:
        return None, err


def _max_grid():
    for size, k, s, p, d, ceil in itertools.product(SIZES, KERNELS, STRIDES, PADDINGS, [1, 2, (2, 1)], [False, True]):
        yield size, k, s, p, d, ceil


@pytest.mark.parametrize("size", SIZES)
def test_max_pool2d_grid_matches_torch(size):
    x = _rand((2, 3) + size, seed=sum(size))
    t = torch.from_numpy(x)
    checked = 0
    for k, s, p, d, ceil in itertools.product(KERNELS, STRIDES, PADDINGS, [1, 2, (2, 1)], [False, True]):
        ref, err = _torch_or_error(F.max_pool2d, t, k, s, p, d, ceil_mode=ceil, return_indices=True)
        if err is not None:
            with pytest.raises(ValueError):
                max_pool2d(x, k, s, p, d, ceil_mode=ceil)
            continue
        out, idx = max_pool2d(x, k, s, p, d, ceil_mode=ceil, return_indices=True)
        np.testing.assert_allclose(out, ref[0].numpy(), rtol=0, atol=0, err_msg=str((k, s, p, d, ceil)))
        np.testing.assert_array_equal(idx, ref[1].numpy(), err_msg=str((k, s, p, d, ceil)))
        assert out.dtype == np.float64 and idx.dtype == np.int64
        assert out.shape[-2:] == pool_output_size(size, k, s, p, d, ceil)
        checked += 1
    assert checked > 100  # most of the grid is valid, so the comparison really ran


@pytest.mark.parametrize("size", SIZES)
def test_avg_pool2d_grid_matches_torch(size):
    x = _rand((2, 3) + size, seed=10 + sum(size))
    t = torch.from_numpy(x)
    checked = 0
    for k, s, p, ceil, cip, div in itertools.product(KERNELS, STRIDES, PADDINGS, [False, True], [True, False], [None, 3]):
        ref, err = _torch_or_error(F.avg_pool2d, t, k, s, p, ceil, cip, div)
        if err is not None:
            with pytest.raises(ValueError):
                avg_pool2d(x, k, s, p, ceil, cip, div)
            continue
        out = avg_pool2d(x, k, s, p, ceil, cip, div)
        np.testing.assert_allclose(out, ref.numpy(), rtol=1e-12, atol=1e-12, err_msg=str((k, s, p, ceil, cip, div)))
        checked += 1
    assert checked > 100


def test_ceil_mode_windows_that_overhang_padding_use_torch_divisor():
    # kernel 3, stride 2, padding 1 on 6 pixels, ceil mode: the last window reaches past the padding.
    x = _rand((1, 1, 6, 6), seed=3)
    for cip in (True, False):
        ref = F.avg_pool2d(torch.from_numpy(x), 3, 2, 1, ceil_mode=True, count_include_pad=cip).numpy()
        np.testing.assert_allclose(avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=cip), ref, rtol=1e-12)


def test_pool_output_size_matches_torch_shapes_and_formula():
    for n, k, s, p, d, ceil in itertools.product(range(1, 12), range(1, 6), [None, 1, 2, 3, 4], range(0, 3), [1, 2, 3], [False, True]):
        x = torch.zeros(1, 1, n, n, dtype=torch.float64)
        ref, err = _torch_or_error(F.max_pool2d, x, k, s, p, d, ceil)
        if err is not None:
            with pytest.raises(ValueError):
                pool_output_size(n, k, s, p, d, ceil)
            continue
        got = pool_output_size(n, k, s, p, d, ceil)
        assert isinstance(got, int) and got == ref.shape[-1], (n, k, s, p, d, ceil)
        # The closed form from the docstring, written out once more.
        st = k if s is None else s
        frac = (n + 2 * p - d * (k - 1) - 1) / st
        expect = (int(np.ceil(frac)) if ceil else int(np.floor(frac))) + 1
        if ceil and (expect - 1) * st >= n + p:
            expect -= 1
        assert got == expect


def test_ceil_mode_last_window_rule_is_applied():
    # n=5, k=2, s=4: the ceiling gives 3 windows but the third would start at 8 >= 5, so torch keeps 2.
    assert F.max_pool2d(torch.zeros(1, 1, 5, 5), 2, 4, ceil_mode=True).shape[-1] == 2
    assert pool_output_size(5, 2, 4, ceil_mode=True) == 2
    assert pool_output_size((5, 6), 2, (4, 2), ceil_mode=True) == (2, 3)


def test_seed_001_max_pool_example():
    x = np.arange(9.0).reshape(1, 1, 3, 3)
    np.testing.assert_array_equal(max_pool2d(x, 2, stride=1), [[[[4.0, 5.0], [7.0, 8.0]]]])
    assert max_pool2d(x, 2)[0, 0, 0, 0] == 4.0


def test_pooling_is_per_channel_and_unbatched_works():
    x = _rand((3, 6, 5), seed=4)
    out = max_pool2d(x, 2)
    assert out.shape == (3, 3, 2)
    for c in range(3):
        np.testing.assert_array_equal(out[c], max_pool2d(x[c : c + 1], 2)[0])
    np.testing.assert_array_equal(out, F.max_pool2d(torch.from_numpy(x), 2).numpy())
    np.testing.assert_allclose(avg_pool2d(x, 2, 1, 1), F.avg_pool2d(torch.from_numpy(x), 2, 1, 1).numpy())


def test_float32_dtype_is_kept():
    x = _rand((1, 2, 6, 6)).astype(np.float32)
    assert max_pool2d(x, 2).dtype == np.float32
    assert avg_pool2d(x, 2).dtype == np.float32
    assert adaptive_avg_pool2d(x, 3).dtype == np.float32


def test_integer_input():
    x = np.arange(36, dtype=np.int64).reshape(1, 1, 6, 6) - 20
    np.testing.assert_array_equal(max_pool2d(x, 3, 2, 1), F.max_pool2d(torch.from_numpy(x), 3, 2, 1).numpy())
    out, idx = max_pool2d(x, 3, 2, 1, return_indices=True)
    _, ref_idx = F.max_pool2d(torch.from_numpy(x).double(), 3, 2, 1, return_indices=True)
    np.testing.assert_array_equal(idx, ref_idx.numpy())
    np.testing.assert_allclose(avg_pool2d(x, 2), F.avg_pool2d(torch.from_numpy(x).double(), 2).numpy())


def test_ties_nan_and_minus_inf_indices_match_torch():
    x = np.zeros((1, 1, 4, 4))
    x[0, 0, 0, 1] = np.nan
    x[0, 0, 1, 0] = np.nan
    x[0, 0, 2:, 2:] = -np.inf
    x[0, 0, 2:, :2] = 7.0  # ties
    for args in [(2,), (2, 2, 1), (3, 1, 1), (2, 1, 0, 2)]:
        out, idx = max_pool2d(x, *args, return_indices=True)
        ref, ref_idx = F.max_pool2d(torch.from_numpy(x), *args, return_indices=True)
        np.testing.assert_array_equal(out, ref.numpy())
        np.testing.assert_array_equal(idx, ref_idx.numpy(), err_msg=str(args))


def test_adaptive_avg_pool2d_grid_matches_torch():
    for h, w, oh, ow in itertools.product([1, 4, 7, 10], [3, 5, 8], [1, 2, 3, 5], [1, 3, 4, 8]):
        x = _rand((2, 3, h, w), seed=h * w + oh)
        ref = F.adaptive_avg_pool2d(torch.from_numpy(x), (oh, ow)).numpy()
        np.testing.assert_allclose(adaptive_avg_pool2d(x, (oh, ow)), ref, rtol=1e-12, atol=1e-12)
    x = _rand((3, 7, 5), seed=9)
    np.testing.assert_allclose(adaptive_avg_pool2d(x, (None, 2)), F.adaptive_avg_pool2d(torch.from_numpy(x), (None, 2)).numpy())


def test_global_average_pooling_is_the_channel_mean():
    x = _rand((4, 5, 9, 11), seed=2)
    np.testing.assert_allclose(adaptive_avg_pool2d(x, 1)[..., 0, 0], x.mean(axis=(2, 3)), rtol=1e-12)


def test_unpool_round_trip_matches_torch():
    for size, k, s, p in itertools.product([(6, 6), (7, 5)], [2, 3], [None, 1, 2], [0, 1]):
        if p > k // 2:
            continue
        x = _rand((2, 3) + size, seed=k + p)
        out, idx = max_pool2d(x, k, s, p, return_indices=True)
        t_out, t_idx = F.max_pool2d(torch.from_numpy(x), k, s, p, return_indices=True)
        np.testing.assert_array_equal(idx, t_idx.numpy())
        ref = F.max_unpool2d(t_out, t_idx, k, s, p, output_size=size).numpy()
        un = max_unpool2d(out, idx, k, s, p, output_size=size)
        np.testing.assert_array_equal(un, ref)
        # Every kept value sits where it came from.
        mask = un != 0
        np.testing.assert_array_equal(un[mask], x[mask])
        # Pooling the unpooled map gives the pooled map back (non-overlapping windows).
        if s is None:
            np.testing.assert_array_equal(max_pool2d(np.where(mask, un, -np.inf), k, s, p), out)


def test_unpool_default_size_and_size_check():
    x = _rand((1, 1, 4, 4))
    out, idx = max_pool2d(x, 2, return_indices=True)
    assert max_unpool2d(out, idx, 2).shape == (1, 1, 4, 4)
    assert max_unpool2d(out, idx, 2, output_size=(1, 1, 5, 5)).shape == (1, 1, 5, 5)
    with pytest.raises(ValueError, match="output_size"):
        max_unpool2d(out, idx, 2, output_size=(6, 6))
    with pytest.raises(ValueError, match="indices"):
        max_unpool2d(out, idx + 100, 2)
    with pytest.raises(TypeError, match="indices"):
        max_unpool2d(out, idx.astype(float), 2)


@pytest.mark.parametrize(
    "kwargs, exc, word",
    [
        (dict(kernel_size=0), ValueError, "kernel_size"),
        (dict(kernel_size=2, stride=0), ValueError, "stride"),
        (dict(kernel_size=2, padding=-1), ValueError, "padding"),
        (dict(kernel_size=2, padding=2), ValueError, "padding"),
        (dict(kernel_size=3, padding=2, dilation=2), ValueError, "padding"),
        (dict(kernel_size=2, dilation=0), ValueError, "dilation"),
        (dict(kernel_size=9), ValueError, "input_size"),
        (dict(kernel_size=2.0), TypeError, "kernel_size"),
        (dict(kernel_size=True), TypeError, "kernel_size"),
        (dict(kernel_size=(2, 2, 2)), TypeError, "kernel_size"),
        (dict(kernel_size=2, stride="2"), TypeError, "stride"),
    ],
)
def test_bad_arguments_raise_and_name_the_argument(kwargs, exc, word):
    x = _rand((1, 1, 5, 5))
    with pytest.raises(exc, match=word):
        max_pool2d(x, **kwargs)
    if "dilation" not in kwargs:  # avg_pool2d has no dilation argument, as in torch
        with pytest.raises(exc, match=word):
            avg_pool2d(x, **kwargs)


def test_bad_inputs():
    with pytest.raises(ValueError, match="input"):
        max_pool2d(np.zeros((4, 4)), 2)
    with pytest.raises(ValueError, match="input"):
        avg_pool2d(np.zeros((1, 1, 0, 4)), 2)
    with pytest.raises(TypeError, match="input"):
        max_pool2d(np.zeros((1, 4, 4), dtype=bool), 2)
    with pytest.raises(ValueError, match="divisor_override"):
        avg_pool2d(np.zeros((1, 4, 4)), 2, divisor_override=0)
    with pytest.raises(ValueError, match="output_size"):
        adaptive_avg_pool2d(np.zeros((1, 4, 4)), 0)
    with pytest.raises(TypeError, match="ceil_mode"):
        pool_output_size(4, 2, ceil_mode="yes")


def test_avg_pool_is_a_depthwise_strided_conv_with_constant_kernel():
    # The chapter states: avg_pool2d(x, k, s) == conv2d(x, 1/k^2, stride=s, groups=C) (no padding).
    for (h, w), k, s, C in itertools.product([(6, 6), (7, 9)], [1, 2, 3], [1, 2, 3], [1, 3]):
        x = _rand((2, C, h, w), seed=h + k + s + C)
        box = torch.full((C, 1, k, k), 1.0 / k**2, dtype=torch.float64)
        ref = F.conv2d(torch.from_numpy(x), box, stride=s, groups=C).numpy()
        np.testing.assert_allclose(avg_pool2d(x, k, s), ref, rtol=1e-12, atol=1e-12)


def test_unpool_default_output_size_matches_torch():
    # Default size (H_in - 1) * s - 2p + k; indices that fall outside that plane are rejected by both.
    compared = rejected = 0
    for n, k, s, p in itertools.product([4, 5, 8, 9], [2, 3, 4], [1, 2, 3], [0, 1]):
        if p > k // 2:
            continue
        x = _rand((1, 2, n, n + 1), seed=n * k)
        out, idx = max_pool2d(x, k, s, p, return_indices=True)
        t_out, t_idx = F.max_pool2d(torch.from_numpy(x), k, s, p, return_indices=True)
        dh, dw = ((out.shape[-2] - 1) * s - 2 * p + k, (out.shape[-1] - 1) * s - 2 * p + k)
        if idx.max() >= dh * dw:
            with pytest.raises(RuntimeError):
                F.max_unpool2d(t_out, t_idx, k, s, p)
            with pytest.raises(ValueError, match="indices"):
                max_unpool2d(out, idx, k, s, p)
            rejected += 1
            continue
        ref = F.max_unpool2d(t_out, t_idx, k, s, p).numpy()
        assert ref.shape[-2:] == (dh, dw)
        np.testing.assert_array_equal(max_unpool2d(out, idx, k, s, p), ref)
        compared += 1
    assert compared > 20 and rejected > 0
