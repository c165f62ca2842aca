"""Formulas stated in chapters 01 and 02, checked against PyTorch (float64, over grids of arguments).

What tests/test_conv.py, tests/test_counting.py, tests/test_padding.py and tests/test_equivariance.py
already check (convkit's corr2d, conv2d, pad, conv_output_size, conv_params, circular_shift against
torch) is not repeated here. This file checks the formulas as the pages write them.
"""

import itertools

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from scipy import signal

from convkit import conv2d, corr2d, merge_convs

RNG = np.random.default_rng(20240601)


def torch_conv2d(x, w, b=None, **kw):
    b = None if b is None else torch.from_numpy(b)
    return F.conv2d(torch.from_numpy(x), torch.from_numpy(w), b, **kw).numpy()


# --- chapter 02: y(i, j) = sum_{a,b} x(i + a, j + b) k(a, b), and the flipped-kernel convolution ---

@pytest.mark.parametrize("h,w,kh,kw", [(3, 3, 2, 2), (5, 7, 3, 2), (6, 4, 1, 4), (8, 8, 5, 5), (4, 9, 4, 1)])
def test_cross_correlation_formula_as_written(h, w, kh, kw):
    x, k = RNG.standard_normal((h, w)), RNG.standard_normal((kh, kw))
    y = np.zeros((h - kh + 1, w - kw + 1))
    for i, j in itertools.product(range(h - kh + 1), range(w - kw + 1)):
        y[i, j] = sum(x[i + a, j + b] * k[a, b] for a in range(kh) for b in range(kw))
    np.testing.assert_allclose(y, torch_conv2d(x[None, None], k[None, None])[0, 0], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("h,w,kh,kw", [(3, 3, 2, 2), (5, 7, 3, 2), (6, 4, 1, 4), (8, 8, 5, 5), (4, 9, 4, 1)])
def test_true_convolution_is_correlation_with_the_flipped_kernel(h, w, kh, kw):
    x, k = RNG.standard_normal((h, w)), RNG.standard_normal((kh, kw))
    flipped = k[::-1, ::-1].copy()
    # the page's formula: y(i, j) = sum x(i + a, j + b) k(kh - 1 - a, kw - 1 - b)
    y = np.zeros((h - kh + 1, w - kw + 1))
    for a, b in itertools.product(range(kh), range(kw)):
        y += x[a:a + h - kh + 1, b:b + w - kw + 1] * k[kh - 1 - a, kw - 1 - b]
    np.testing.assert_allclose(y, signal.convolve2d(x, k, mode="valid"), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(y, torch_conv2d(x[None, None], flipped[None, None])[0, 0], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(y, corr2d(x, flipped), rtol=1e-12, atol=1e-12)
    if not np.allclose(k, flipped):
        assert not np.allclose(y, corr2d(x, k))


def test_the_two_channel_seed_example_matches_torch():
    x = np.stack([np.arange(9.0).reshape(3, 3), np.arange(1.0, 10.0).reshape(3, 3)])[None]
    k = np.stack([np.array([[0.0, 1.0], [2.0, 3.0]]), np.array([[1.0, 2.0], [3.0, 4.0]])])[None]
    out = torch_conv2d(x, k)
    assert out[0, 0, 0, 0] == 56.0
    np.testing.assert_array_equal(conv2d(x, k), out)


# --- chapter 02: y(o, i, j) = b(o) + sum_c sum_{a,b} x(c, i + a, j + b) w(o, c, a, b) ---

@pytest.mark.parametrize("cin,cout,k", [(1, 1, 1), (2, 3, 2), (3, 1, 3), (4, 5, 3), (2, 2, 4)])
def test_multi_channel_formula_with_one_bias_per_output_channel(cin, cout, k):
    x = RNG.standard_normal((2, cin, 7, 6))
    w, b = RNG.standard_normal((cout, cin, k, k)), RNG.standard_normal(cout)
    windows = np.lib.stride_tricks.sliding_window_view(x, (k, k), axis=(2, 3))   # (N, C, H', W', k, k)
    y = b[None, :, None, None] + np.einsum("ncijab,ocab->noij", windows, w)
    np.testing.assert_allclose(y, torch_conv2d(x, w, b), rtol=1e-12, atol=1e-12)


# --- chapter 02: the seed-002 size formula (H - K + 2P)/S + 1 is wrong exactly when the page says ---

SIZE_GRID = [
    (h, k, s, p, d)
    for h, k, s, p, d in itertools.product([5, 7, 8, 13, 28], [1, 2, 3, 5], [1, 2, 3], [0, 1, 2], [1, 2, 3])
    if h + 2 * p >= d * (k - 1) + 1  # otherwise torch refuses the layer
]


@pytest.mark.parametrize("h,k,s,p,d", SIZE_GRID)
def test_seed_002_size_formula_fails_without_floor_or_with_dilation(h, k, s, p, d):
    actual = F.conv2d(torch.zeros(1, 1, h, h), torch.zeros(1, 1, k, k), stride=s, padding=p, dilation=d).shape[-1]
    page_formula = (h + 2 * p - d * (k - 1) - 1) // s + 1
    seed = (h - k + 2 * p) / s + 1
    assert page_formula == actual
    seed_should_be_right = (h - k + 2 * p) % s == 0 and (d == 1 or k == 1)
    assert (seed == actual) == seed_should_be_right


@pytest.mark.parametrize("k,d", [(1, 1), (2, 3), (3, 1), (3, 2), (5, 3)])
def test_dilated_kernel_spans_d_times_k_minus_one_plus_one(k, d):
    x = torch.zeros(1, 1, 1, 40, dtype=torch.float64, requires_grad=True)
    F.conv2d(x, torch.ones(1, 1, 1, k, dtype=torch.float64), dilation=(1, d))[0, 0, 0, 0].backward()
    touched = torch.nonzero(x.grad[0, 0, 0]).flatten()
    assert int(touched.max() - touched.min() + 1) == d * (k - 1) + 1
    assert len(touched) == k


# --- chapter 02: parameter count C_out C_in k_h k_w + C_out ---

@pytest.mark.parametrize("cin,cout,kh,kw", [(1, 6, 5, 5), (3, 64, 3, 3), (64, 128, 3, 3), (3, 96, 11, 11), (7, 2, 1, 4)])
def test_parameter_count_formula(cin, cout, kh, kw):
    layer = torch.nn.Conv2d(cin, cout, (kh, kw), device="meta")
    assert sum(p.numel() for p in layer.parameters()) == cout * cin * kh * kw + cout


# --- chapter 02: two stacked linear convolutions are one convolution ---
# w(o, c, u) = sum_m sum_v w2(o, m, v) w1(m, c, u - v),  b(o) = b2(o) + sum_m sum_v w2(o, m, v) b1(m)

def merged_by_the_formula(w1, b1, w2, b2):
    cmid, cin, k1, _ = w1.shape
    cout, _, k2, _ = w2.shape
    k = k1 + k2 - 1
    w = np.zeros((cout, cin, k, k))
    for vy, vx in itertools.product(range(k2), range(k2)):
        # u - v ranges over the k1 x k1 kernel w1: u = v + (0..k1-1)
        w[:, :, vy:vy + k1, vx:vx + k1] += np.einsum("om,mcab->ocab", w2[:, :, vy, vx], w1)
    b = b2 + np.einsum("omyx,m->o", w2, b1)
    return w, b


@pytest.mark.parametrize("cin,cmid,cout,k1,k2", [(1, 1, 1, 3, 3), (1, 6, 4, 3, 3), (3, 2, 5, 2, 4), (2, 4, 3, 5, 1), (2, 3, 2, 1, 1)])
def test_two_linear_convolutions_merge_into_one(cin, cmid, cout, k1, k2):
    x = RNG.standard_normal((2, cin, 12, 11))
    w1, b1 = RNG.standard_normal((cmid, cin, k1, k1)), RNG.standard_normal(cmid)
    w2, b2 = RNG.standard_normal((cout, cmid, k2, k2)), RNG.standard_normal(cout)
    w, b = merged_by_the_formula(w1, b1, w2, b2)
    assert w.shape == (cout, cin, k1 + k2 - 1, k1 + k2 - 1)
    two = torch_conv2d(torch_conv2d(x, w1, b1), w2, b2)
    np.testing.assert_allclose(torch_conv2d(x, w, b), two, rtol=1e-10, atol=1e-10)
    # convkit.merge_convs (what the page uses) builds the same kernel and bias with conv2d itself
    w_kit, b_kit = merge_convs(w1, b1, w2, b2)
    np.testing.assert_allclose(w_kit, w, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(b_kit, b, rtol=1e-12, atol=1e-12)


def test_a_relu_between_two_convolutions_does_not_merge():
    x = RNG.standard_normal((4, 1, 10, 10))
    w1, b1 = RNG.standard_normal((3, 1, 3, 3)), RNG.standard_normal(3)
    w2, b2 = RNG.standard_normal((1, 3, 3, 3)), RNG.standard_normal(1)
    w, b = merged_by_the_formula(w1, b1, w2, b2)
    with_relu = torch_conv2d(np.maximum(torch_conv2d(x, w1, b1), 0.0), w2, b2)
    assert np.abs(torch_conv2d(x, w, b) - with_relu).max() > 1e-2
