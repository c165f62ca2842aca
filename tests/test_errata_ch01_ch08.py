"""Errata of chapters 01-08: each recomputes the seed's rule and the correct rule on the page's
counterexample, with the same convkit function as the page, and checks they differ as the page says.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
from torch import nn

from convkit.formulas.measured_field import measure_receptive_field
from convkit.formulas.receptive_field import (
    previous_stride_recursion,
    previous_stride_rule_exact,
    receptive_field,
)


def _conv_stack(layers):
    mods, cin = [], 1
    for k, s, p, d in layers:
        mods += [nn.Conv2d(cin, 2, k, stride=s, padding=p, dilation=d), nn.ReLU()]
        cin = 2
    return nn.Sequential(*mods)


# ---------------------------------------------------------------- chapter 04, the CNN primer


def test_ch04_previous_stride_rule_counterexample_strides_2_1_1():
    """(3,2),(3,1),(3,1): the primer's rule gives 9, the jump recursion and the gradients 11."""
    layers = [(3, 2, 0, 1), (3, 1, 0, 1), (3, 1, 0, 1)]
    assert previous_stride_recursion(layers) == [3, 7, 9]
    assert [f.size for f in receptive_field(layers)] == [3, 7, 11]
    torch.manual_seed(0)
    assert measure_receptive_field(_conv_stack(layers), (1, 32, 32)).size == (11, 11)
    assert not previous_stride_rule_exact(layers)


def test_ch04_previous_stride_rule_exact_iff_condition_brute_force():
    """Over every stack of 1-4 layers (k in 1..3, s in 1..2, d in 1..2) the primer's rule equals
    the jump recursion after every layer exactly when the stated condition holds, and it never
    exceeds it."""
    options = list(itertools.product((1, 2, 3), (1, 2), (0,), (1, 2)))
    n_exact = n_total = 0
    for depth in range(1, 5):
        for layers in itertools.product(options, repeat=depth):
            layers = list(layers)
            rule = previous_stride_recursion(layers)
            true = [f.size for f in receptive_field(layers)]
            assert all(a <= b for a, b in zip(rule, true)), layers
            # the condition, written out independently of convkit: every layer i with k > 1 is
            # undilated and no layer before i - 1 has a stride above 1
            condition = all(
                k == 1 or (d == 1 and all(s2 == 1 for _, s2, _, _ in layers[: max(i - 1, 0)]))
                for i, (k, _, _, d) in enumerate(layers)
            )
            assert (rule == true) == condition == previous_stride_rule_exact(layers), layers
            n_exact += condition
            n_total += 1
    assert 0 < n_exact < n_total


def test_ch04_vgg16_last_conv_jump_is_16_not_32():
    """conv5_3 of VGG-16 reads units after four 2x2 poolings: jump 16; the fifth comes after it."""
    cfg = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"]
    vgg = [(2, 2, 0, 1) if c == "M" else (3, 1, 1, 1) for c in cfg]
    last_conv = max(i for i, c in enumerate(cfg) if c != "M")
    fields = receptive_field(vgg)
    assert cfg[:last_conv].count("M") == 4
    assert fields[last_conv - 1].jump == 16
    assert fields[-1].jump == 32
    assert fields[last_conv].size == 196  # the value usually quoted for conv5_3


@pytest.mark.parametrize("bad", ["abc", 3, None])
def test_previous_stride_helpers_reject_non_lists(bad):
    with pytest.raises(TypeError, match="layers"):
        previous_stride_recursion(bad)
    with pytest.raises(TypeError, match="layers"):
        previous_stride_rule_exact(bad)


# ---------------------------------------------------------------- chapter 02, the CNN primer


def test_ch02_zero_padding_keeps_the_size_only_with_stride_1_and_2p_equal_d_k_minus_1():
    """H_out == H for every H in 12..64 exactly when S == 1 and 2P == D(K - 1) (the page's cases
    use 8..64); some of the page's counterexamples checked on torch's shapes."""
    import torch.nn.functional as F

    from convkit import conv_output_size

    for k, s, p, d in itertools.product(range(1, 6), (1, 2, 3), range(0, 5), (1, 2)):
        keeps = all(conv_output_size(h, k, s, p, d) == h for h in range(12, 65))
        assert keeps == (s == 1 and 2 * p == d * (k - 1)), (k, s, p, d)
    for h, k, s, p, d in [(28, 5, 1, 1, 1), (28, 3, 2, 1, 1), (28, 4, 1, 2, 1)]:
        torch_h = F.conv2d(torch.zeros(1, 1, h, h), torch.zeros(1, 1, k, k), None, s, p, d).shape[-1]
        assert torch_h == conv_output_size(h, k, s, p, d) != h
    with pytest.raises(ValueError, match="strided"):
        nn.Conv2d(1, 1, 3, stride=2, padding="same")


# ---------------------------------------------------------------- chapter 03, ceil mode


def _ceiling_rule(n, k, s, p, d=1):
    return -(-(n + 2 * p - d * (k - 1) - 1) // s) + 1


@pytest.mark.parametrize("n, k, s, p", [(5, 2, 6, 0), (10, 3, 4, 1), (7, 3, 5, 1)])
def test_ch03_ceil_mode_exception_fires(n, k, s, p):
    """The plain ceiling asks for one more window than PyTorch keeps, because the last window
    would start after the input's last pixel."""
    import torch.nn.functional as F

    from convkit import pool_output_size

    torch_n = F.max_pool2d(torch.zeros(1, 1, n, n), k, s, p, ceil_mode=True).shape[-1]
    c = _ceiling_rule(n, k, s, p)
    assert (c - 1) * s - p >= n
    assert pool_output_size(n, k, s, p, ceil_mode=True) == torch_n == c - 1


def test_ch03_ceil_mode_n5_k2_s4_is_not_the_exception():
    """n=5, k=2, s=4: the ceiling gives 2 windows and PyTorch keeps 2 (the old page said 3)."""
    import torch.nn.functional as F

    from convkit import pool_output_size

    torch_n = F.max_pool2d(torch.zeros(1, 1, 5, 5), 2, 4, ceil_mode=True).shape[-1]
    assert _ceiling_rule(5, 2, 4, 0) == pool_output_size(5, 2, 4, 0, ceil_mode=True) == torch_n == 2
    assert pool_output_size(5, 2, 4, 0) == 1


# ---------------------------------------------------------------- chapter 01


def test_ch01_three_million_are_inputs_not_parameters():
    """A 1000x1000 colour image has 3,000,000 inputs; a fully connected layer has that many
    weights per unit (torch's count), so 3 million parameters only for a single unit."""
    in_features = 3 * 1000 * 1000
    for units in (1, 1024):
        layer = nn.Linear(in_features, units, device="meta")
        assert layer.weight.numel() == in_features * units
    assert nn.Linear(in_features, 1024, device="meta").weight.numel() > 1000 * in_features


def test_ch01_convolution_is_shift_invariant_after_global_pooling_but_not_scale_invariant():
    """The page's demo: ReLU(conv) + global average of the same photo at 64 and 128 pixels.
    A shift changes nothing; doubling the size changes the zero-mean filters' features by more
    than 10% (the raw filters' by much less, as the page says)."""
    from skimage import data, transform

    from convkit import conv2d
    from convkit.functional.equivariance import circular_shift

    rng = np.random.default_rng(0)
    weights = rng.standard_normal((4, 1, 3, 3))
    zero_mean = weights - weights.mean(axis=(-2, -1), keepdims=True)
    photo = data.camera() / 255.0
    small = transform.resize(photo, (64, 64), anti_aliasing=True)[None, None]
    large = transform.resize(photo, (128, 128), anti_aliasing=True)[None, None]
    gaps = []
    for w in (weights, zero_mean):

        def features(x, w=w):
            return np.maximum(conv2d(x, w, padding=1, padding_mode="circular"), 0).mean(axis=(-2, -1))

        f_small = features(small)
        assert np.abs(features(circular_shift(small, 9, -14)) - f_small).max() < 1e-12
        gaps.append(np.abs(features(large) - f_small).max() / np.abs(f_small).max())
    assert gaps[1] > 0.10
    assert gaps[0] < gaps[1]


# ---------------------------------------------------------------- chapters 05/06, MACs vs FLOPs


@pytest.mark.parametrize("cin, cout, k, groups, side", [(64, 128, 3, 1, 56), (32, 32, 3, 32, 20),
                                                        (256, 64, 1, 1, 14), (6, 9, 5, 3, 11)])
def test_ch05_flop_counter_reports_exactly_two_flops_per_mac(cin, cout, k, groups, side):
    """convkit.conv_macs counts MACs; torch's FlopCounterMode reports FLOPs = 2 x MACs (no bias)."""
    from torch.utils.flop_counter import FlopCounterMode

    from convkit import conv_macs

    layer = nn.Conv2d(cin, cout, k, padding=k // 2, groups=groups)
    x = torch.zeros(2, cin, side, side)
    with FlopCounterMode(display=False) as counter, torch.inference_mode():
        layer(x)
    macs = conv_macs(cin, cout, k, side, groups=groups, bias=False, batch_size=2)
    assert counter.get_total_flops() == 2 * macs
    assert conv_macs(cin, cout, k, side, groups=groups, batch_size=2) == macs + 2 * cout * side**2


# ---------------------------------------------------------------- chapter 06, the 1x1 article


@pytest.mark.parametrize("cin, cmid, cout", [(256, 64, 256), (32, 8, 48), (16, 4, 16)])
def test_ch06_reduction_limits_rank_so_it_changes_expressive_power(cin, cmid, cout):
    """A 1x1 reduction to cmid channels then a 3x3 conv merges (convkit.merge_convs, checked on
    torch) into a 3x3 conv whose every tap has rank <= cmid; a direct 3x3 conv reaches
    min(cin, cout), so the identity-like layer is out of the pair's reach."""
    from convkit import conv2d, merge_convs

    rng = np.random.default_rng(0)
    w1 = rng.standard_normal((cmid, cin, 1, 1))
    w2 = rng.standard_normal((cout, cmid, 3, 3))
    w, b = merge_convs(w1, np.zeros(cmid), w2, np.zeros(cout))
    x = rng.standard_normal((1, cin, 6, 6))
    pair = torch.nn.functional.conv2d(
        torch.nn.functional.conv2d(torch.from_numpy(x), torch.from_numpy(w1)), torch.from_numpy(w2)
    )
    assert np.allclose(pair.numpy(), conv2d(x, w, b))
    ranks = [np.linalg.matrix_rank(w[:, :, u, v]) for u in range(3) for v in range(3)]
    assert max(ranks) == cmid < min(cin, cout)
    direct = rng.standard_normal((cout, cin, 3, 3))
    assert min(np.linalg.matrix_rank(direct[:, :, u, v]) for u in range(3) for v in range(3)) == min(
        cin, cout
    )
