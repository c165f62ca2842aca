"""convkit.formulas.separable and the formulas of chapters 05 and 06, checked against PyTorch (float64) over grids."""

import itertools

import numpy as np
import pytest
import torch
from torch.nn import functional as F
from torch.utils.flop_counter import FlopCounterMode

from convkit import (
    bottleneck_params,
    conv2d,
    conv_macs,
    conv_params,
    depthwise_separable_macs,
    depthwise_separable_params,
    effective_kernel_size,
    group_connectivity,
    inception_params,
    naive_inception_params,
    same_padding,
)
from convkit.models.blocks import BasicBlock, Bottleneck, DepthwiseSeparableConv, Inception


def n_params(module):
    return sum(p.numel() for p in module.parameters())


def torch_macs(module, x):
    """Multiply-accumulates PyTorch's own counter sees (it reports 2 FLOPs per MAC, biases excluded)."""
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        module(x)
    total = counter.get_total_flops()
    assert total % 2 == 0
    return total // 2


# ----------------------------------------------------------------------------- grouped convolution


@pytest.mark.parametrize("cin,cout,groups", [(4, 4, 1), (4, 4, 2), (6, 9, 3), (8, 4, 4), (5, 5, 5), (6, 12, 6), (12, 6, 2)])
def test_group_connectivity_matches_torch_gradients(cin, cout, groups):
    torch.manual_seed(0)
    conv = torch.nn.Conv2d(cin, cout, 3, groups=groups, bias=False).double()
    x = torch.randn(1, cin, 5, 5, dtype=torch.float64, requires_grad=True)
    y = conv(x)
    measured = np.zeros((cout, cin), dtype=bool)
    for o in range(cout):
        (g,) = torch.autograd.grad(y[0, o].sum(), x, retain_graph=True)
        measured[o] = (g[0] != 0).flatten(1).any(dim=1).numpy()
    expected = group_connectivity(cin, cout, groups)
    assert expected.dtype == bool and expected.shape == (cout, cin)
    np.testing.assert_array_equal(measured, expected)
    assert (expected.sum(axis=1) == cin // groups).all()


def test_depthwise_output_channel_depends_only_on_its_input_channel():
    rng = np.random.default_rng(1)
    c = 5
    x = rng.standard_normal((2, c, 9, 9))
    w = rng.standard_normal((c, 1, 3, 3))
    base = conv2d(x, w, padding=1, groups=c)
    for i in range(c):
        bumped = x.copy()
        bumped[:, i] += 1.0 + rng.standard_normal((2, 9, 9))
        moved = np.abs(conv2d(bumped, w, padding=1, groups=c) - base).max(axis=(0, 2, 3)) > 1e-12
        np.testing.assert_array_equal(moved, np.arange(c) == i)
    np.testing.assert_array_equal(group_connectivity(c, c, c), np.eye(c, dtype=bool))


def test_grouped_conv_is_groups_of_ordinary_convs():
    rng = np.random.default_rng(2)
    for cin, cout, g in [(8, 12, 4), (6, 6, 3), (4, 8, 2)]:
        x = rng.standard_normal((2, cin, 7, 6))
        w = rng.standard_normal((cout, cin // g, 3, 3))
        b = rng.standard_normal(cout)
        ci, co = cin // g, cout // g
        pieces = [conv2d(x[:, j * ci:(j + 1) * ci], w[j * co:(j + 1) * co], b[j * co:(j + 1) * co], padding=1) for j in range(g)]
        ref = F.conv2d(torch.from_numpy(x), torch.from_numpy(w), torch.from_numpy(b), padding=1, groups=g).numpy()
        np.testing.assert_allclose(np.concatenate(pieces, axis=1), ref, rtol=1e-12, atol=1e-12)


def test_groups_divide_the_weights_exactly_and_leave_the_biases():
    for cin, cout, k, g in itertools.product([8, 16, 48], [16, 32], [1, 3, 5], [1, 2, 4, 8, 16]):
        if cin % g or cout % g:
            continue
        layer = torch.nn.Conv2d(cin, cout, k, groups=g, device="meta")
        full = torch.nn.Conv2d(cin, cout, k, device="meta")
        assert layer.weight.numel() * g == full.weight.numel() == cin * cout * k * k
        assert layer.bias.numel() == full.bias.numel() == cout
        assert conv_params(cin, cout, k, groups=g, bias=False) * g == full.weight.numel()


@pytest.mark.parametrize(
    "args,exc",
    [((6, 4, 4), ValueError), ((4, 6, 4), ValueError), ((4, 4, 0), ValueError), ((4.0, 4, 1), TypeError), ((4, 4, True), TypeError)],
)
def test_group_connectivity_bad_arguments(args, exc):
    with pytest.raises(exc, match="in_channels|out_channels|groups"):
        group_connectivity(*args)


# ------------------------------------------------------------------ depthwise-separable: counts


def test_separable_params_match_torch_modules_over_grid():
    for cin, cout, k, bias in itertools.product([1, 3, 16, 64], [1, 8, 128], [1, 3, 5, (3, 5)], [True, False]):
        kernel = k if isinstance(k, tuple) else (k, k)
        depthwise = torch.nn.Conv2d(cin, cin, kernel, groups=cin, bias=bias, device="meta")
        pointwise = torch.nn.Conv2d(cin, cout, 1, bias=bias, device="meta")
        assert depthwise_separable_params(cin, cout, k, bias=bias) == n_params(depthwise) + n_params(pointwise)
        kh, kw = kernel
        assert depthwise_separable_params(cin, cout, k, bias=bias) == cin * kh * kw + cin * cout + (cin + cout) * bias
        if not isinstance(k, tuple) and bias:
            assert depthwise_separable_params(cin, cout, k) == n_params(DepthwiseSeparableConv(cin, cout, k, padding=k // 2))


def test_separable_over_standard_ratio_formula():
    for cin, cout, k in itertools.product([3, 32, 256], [16, 64, 512], [3, 5, 7]):
        sep = depthwise_separable_params(cin, cout, k, bias=False)
        std = torch.nn.Conv2d(cin, cout, k, bias=False, device="meta").weight.numel()
        assert sep / std == pytest.approx(1 / cout + 1 / k**2, rel=1e-12)
        macs_sep = depthwise_separable_macs(cin, cout, k, 10, bias=False)
        macs_std = conv_macs(cin, cout, k, 10, bias=False)
        assert macs_sep / macs_std == pytest.approx(1 / cout + 1 / k**2, rel=1e-12)


@pytest.mark.parametrize(
    "cin,cout,k,stride,padding,dilation,hw",
    [
        (3, 8, 3, 1, 1, 1, (10, 10)),
        (4, 6, 3, 2, 1, 1, (11, 9)),
        (2, 5, 5, 1, 2, 1, (8, 12)),
        (6, 4, 3, 1, 2, 2, (9, 9)),
        (1, 3, 1, 1, 0, 1, (5, 7)),
        (5, 5, 7, 3, 0, 1, (20, 17)),
        (4, 2, 3, 2, 4, 4, (16, 16)),
    ],
)
def test_separable_macs_match_torch_flop_counter(cin, cout, k, stride, padding, dilation, hw):
    block = DepthwiseSeparableConv(cin, cout, k, stride, padding, dilation).double()
    x = torch.zeros(2, cin, *hw, dtype=torch.float64)
    y_dw = block.depthwise(x)
    y = block(x)
    out_hw = tuple(y.shape[2:])
    assert out_hw == tuple(y_dw.shape[2:])
    # torch counts the batch of 2 and leaves out biases
    assert 2 * depthwise_separable_macs(cin, cout, k, out_hw, bias=False) == torch_macs(block, x)
    # with biases: one more per output value of each stage, counted from the real tensors
    bias_adds = (y_dw.numel() + y.numel()) // 2
    assert depthwise_separable_macs(cin, cout, k, out_hw) == depthwise_separable_macs(cin, cout, k, out_hw, bias=False) + bias_adds
    std = torch.nn.Conv2d(cin, cout, k, stride, padding, dilation, bias=False).double()
    assert 2 * conv_macs(cin, cout, k, out_hw, bias=False) == torch_macs(std, x)


def test_separable_count_bad_arguments():
    with pytest.raises(TypeError, match="in_channels"):
        depthwise_separable_params(3.0, 4, 3)
    with pytest.raises(ValueError, match="out_channels"):
        depthwise_separable_params(3, 0, 3)
    with pytest.raises(TypeError, match="bias"):
        depthwise_separable_params(3, 4, 3, bias=1)
    with pytest.raises(TypeError, match="bias"):
        depthwise_separable_macs(3, 4, 3, 8, bias="yes")
    with pytest.raises(ValueError, match="in_channels"):
        depthwise_separable_macs(-1, 4, 3, 8)


# ---------------------------------------------------------------------------- dilation: same padding


@pytest.mark.parametrize("k", [1, 3, 5, 7])
@pytest.mark.parametrize("d", [1, 2, 3, 4])
def test_same_padding_keeps_the_size_in_torch(k, d):
    torch.manual_seed(k * 10 + d)
    p = same_padding(k, d)
    assert p == d * (k - 1) // 2 and 2 * p == d * (k - 1)
    conv = torch.nn.Conv2d(2, 3, k, padding=p, dilation=d).double()
    same = torch.nn.Conv2d(2, 3, k, padding="same", dilation=d).double()
    same.load_state_dict(conv.state_dict())
    for h, w in [(1, 1), (7, 9), (16, 5), (33, 33)]:
        x = torch.randn(1, 2, h, w, dtype=torch.float64)
        y = conv(x)
        assert y.shape[2:] == (h, w)
        torch.testing.assert_close(y, same(x))


def test_same_padding_even_kernels():
    for k, d in itertools.product([2, 4, 6], [1, 2, 3, 4]):
        if d * (k - 1) % 2:
            with pytest.raises(ValueError, match="odd"):
                same_padding(k, d)
        else:
            p = same_padding(k, d)
            y = F.conv2d(torch.zeros(1, 1, 10, 10, dtype=torch.float64), torch.zeros(1, 1, k, k, dtype=torch.float64), padding=p, dilation=d)
            assert y.shape[2:] == (10, 10)


def test_effective_kernel_size_is_the_dilated_extent_in_torch():
    # one output of a padding-free dilated conv sees exactly k_eff consecutive rows/columns
    for k, d in itertools.product([1, 2, 3, 5], [1, 2, 3, 4]):
        k_eff = effective_kernel_size(k, d)
        assert k_eff == d * (k - 1) + 1
        x = torch.zeros(1, 1, k_eff, k_eff, dtype=torch.float64, requires_grad=True)
        y = F.conv2d(x, torch.ones(1, 1, k, k, dtype=torch.float64), dilation=d)
        assert y.shape[2:] == (1, 1)
        y.sum().backward()
        hit = np.flatnonzero(x.grad[0, 0].numpy().any(axis=1))
        assert hit[0] == 0 and hit[-1] == k_eff - 1 and len(hit) == k


@pytest.mark.parametrize("dilations", [(1,), (2,), (1, 1, 1), (1, 2, 4), (2, 2, 2), (1, 2, 4, 8), (3, 1)])
@pytest.mark.parametrize("k", [3, 5])
def test_receptive_field_of_dilated_stride1_stack_matches_torch_gradient(dilations, k):
    layers = []
    for d in dilations:
        conv = torch.nn.Conv2d(1, 1, k, padding=same_padding(k, d), dilation=d, bias=False).double()
        torch.nn.init.ones_(conv.weight)
        layers.append(conv)
    size = 81
    x = torch.zeros(1, 1, size, size, dtype=torch.float64, requires_grad=True)
    y = torch.nn.Sequential(*layers)(x)
    assert y.shape[2:] == (size, size)  # no downsampling
    y[0, 0, size // 2, size // 2].backward()
    rows = np.flatnonzero(x.grad[0, 0].numpy().any(axis=1))
    assert rows[-1] - rows[0] + 1 == 1 + sum(effective_kernel_size(k, d) - 1 for d in dilations)


@pytest.mark.parametrize("args,exc", [((0,), ValueError), ((3, 0), ValueError), ((3.0,), TypeError), ((3, True), TypeError), ((-3, 1), ValueError)])
def test_dilation_helpers_bad_arguments(args, exc):
    with pytest.raises(exc, match="kernel_size|dilation"):
        same_padding(*args)
    with pytest.raises(exc, match="kernel_size|dilation"):
        effective_kernel_size(*args)


# ------------------------------------------------------------------- 1x1 convolution (chapter 06)


@pytest.mark.parametrize("n,c,o,h,w", [(1, 3, 1, 5, 4), (2, 4, 6, 3, 3), (3, 8, 2, 1, 7), (1, 1, 5, 6, 6)])
def test_1x1_conv_is_a_per_pixel_matrix_product(n, c, o, h, w):
    rng = np.random.default_rng(n * 100 + c * 10 + o)
    x = rng.standard_normal((n, c, h, w))
    weight = rng.standard_normal((o, c, 1, 1))
    bias = rng.standard_normal(o)
    einsum = np.einsum("oc,nchw->nohw", weight[:, :, 0, 0], x) + bias[None, :, None, None]
    matmul = (weight[:, :, 0, 0] @ x.reshape(n, c, h * w)).reshape(n, o, h, w) + bias[None, :, None, None]
    ck = conv2d(x, weight, bias)
    conv = torch.nn.Conv2d(c, o, 1).double()
    linear = torch.nn.Linear(c, o).double()
    with torch.no_grad():
        conv.weight.copy_(torch.from_numpy(weight))
        conv.bias.copy_(torch.from_numpy(bias))
        linear.weight.copy_(torch.from_numpy(weight[:, :, 0, 0]))
        linear.bias.copy_(torch.from_numpy(bias))
        xt = torch.from_numpy(x)
        by_conv = conv(xt).numpy()
        by_linear = linear(xt.permute(0, 2, 3, 1)).permute(0, 3, 1, 2).numpy()  # Linear on the channel axis
    for other in (matmul, ck, by_conv, by_linear):
        np.testing.assert_allclose(einsum, other, rtol=1e-12, atol=1e-12)
    assert n_params(conv) == n_params(linear) == conv_params(c, o, 1) == c * o + o


# -------------------------------------------------------------------- Inception and bottleneck counts


def test_inception_params_match_torch_over_grid():
    for cin, c1, c2, c3, c4 in itertools.product([3, 64, 192], [1, 16], [(4, 8), (96, 128)], [(2, 4), (16, 32)], [1, 32]):
        block = Inception(cin, c1, c2, c3, c4)
        assert inception_params(cin, c1, c2, c3, c4) == n_params(block)
        weights_only = sum(p.numel() for p in block.parameters() if p.dim() == 4)
        assert inception_params(cin, c1, list(c2), c3, c4, bias=False) == weights_only


def test_naive_inception_params_match_torch_over_grid():
    for cin, c1, c2, c3, bias in itertools.product([3, 64, 192], [1, 64], [8, 128], [4, 32], [True, False]):
        convs = [torch.nn.Conv2d(cin, c, k, padding=k // 2, bias=bias, device="meta") for c, k in ((c1, 1), (c2, 3), (c3, 5))]
        assert naive_inception_params(cin, c1, c2, c3, bias=bias) == sum(n_params(m) for m in convs)
        assert naive_inception_params(cin, c1, c2, c3, bias=bias) == cin * (c1 + 9 * c2 + 25 * c3) + (c1 + c2 + c3) * bias


def test_inception_reductions_shrink_googlenet_3a():
    reduced = inception_params(192, 64, (96, 128), (16, 32), 32, bias=False)
    naive = naive_inception_params(192, 64, 128, 32, bias=False)
    assert (reduced, naive) == (163_328, 387_072)
    assert reduced < naive


def test_bottleneck_params_match_torch_over_grid():
    for cin, mid, stride, e in itertools.product([16, 64, 256], [4, 16, 64], [1, 2], [1, 2, 4]):
        block = Bottleneck(cin, mid, stride, e, use_bn=False)
        assert bottleneck_params(cin, mid, stride, e) == n_params(block)
        projection = e * cin * mid if (stride != 1 or cin != e * mid) else 0
        assert bottleneck_params(cin, mid, stride, e) == cin * mid + 9 * mid * mid + e * mid * mid + projection


def test_seed_004_bottleneck_numbers():
    assert bottleneck_params(256, 64) == 69_632 == 256 * 64 + 64 * 64 * 9 + 64 * 256
    two_3x3 = 2 * conv_params(256, 256, 3, bias=False)
    assert two_3x3 == n_params(BasicBlock(256, 256, use_bn=False)) == 1_179_648


@pytest.mark.parametrize(
    "fn,args,exc",
    [
        (inception_params, (0, 1, (1, 1), (1, 1), 1), ValueError),
        (inception_params, (3, 1, 5, (1, 1), 1), TypeError),
        (inception_params, (3, 1, (1, 1), (1, 1), 1, "no"), TypeError),
        (naive_inception_params, (3, 1, 2, 2.5), TypeError),
        (bottleneck_params, (256, 0), ValueError),
        (bottleneck_params, (256, 64, 1, 0), ValueError),
        (bottleneck_params, (256.0, 64), TypeError),
    ],
)
def test_block_count_bad_arguments(fn, args, exc):
    with pytest.raises(exc, match=r"in_channels|mid_channels|expansion|c\d|bias"):
        fn(*args)


@pytest.mark.parametrize(
    "dilations,strides",
    [((1, 1, 1), (2, 2, 2)), ((1, 2, 4), (1, 1, 1)), ((2, 1, 3), (2, 1, 2)), ((1, 2), (3, 1)), ((4,), (2,))],
)
def test_receptive_field_recursion_with_strides_and_dilation_matches_torch(dilations, strides):
    # r = 1 + sum_l d_l (k - 1) * prod_{j < l} s_j, as the chapter 05 page uses for its strided stack
    k, size = 3, 97
    layers = []
    for d, s in zip(dilations, strides):
        conv = torch.nn.Conv2d(1, 1, k, stride=s, padding=d, dilation=d, bias=False).double()
        torch.nn.init.ones_(conv.weight)
        layers.append(conv)
    x = torch.zeros(1, 1, size, size, dtype=torch.float64, requires_grad=True)
    y = torch.nn.Sequential(*layers)(x)
    y[0, 0, y.shape[2] // 2, y.shape[3] // 2].backward()
    rows = np.flatnonzero(x.grad[0, 0].numpy().any(axis=1))
    jumps = np.cumprod((1,) + strides[:-1])
    assert rows[-1] - rows[0] + 1 == 1 + sum(int(j) * (effective_kernel_size(k, d) - 1) for d, j in zip(dilations, jumps))


def test_two_1x1_convs_merge_into_one_without_relu_only():
    torch.manual_seed(6)
    first = torch.nn.Conv2d(6, 4, 1, bias=False).double()
    second = torch.nn.Conv2d(4, 3, 1, bias=False).double()
    merged = torch.nn.Conv2d(6, 3, 1, bias=False).double()
    with torch.no_grad():
        merged.weight.copy_((second.weight[:, :, 0, 0] @ first.weight[:, :, 0, 0])[:, :, None, None])
        x = torch.randn(2, 6, 5, 7, dtype=torch.float64)
        torch.testing.assert_close(second(first(x)), merged(x))
        assert (second(torch.relu(first(x))) - merged(x)).abs().max() > 1e-3


def test_stride1_output_size_formula_used_for_same_padding():
    # chapter 05: with stride 1 the output size is H + 2p - d(k - 1)
    for h, p, d, k in itertools.product([1, 5, 12], [0, 1, 3], [1, 2, 3], [1, 2, 3, 5]):
        expected = h + 2 * p - d * (k - 1)
        if expected < 1:
            continue
        y = F.conv2d(torch.zeros(1, 1, h, h, dtype=torch.float64), torch.zeros(1, 1, k, k, dtype=torch.float64), padding=p, dilation=d)
        assert y.shape[2:] == (expected, expected)
