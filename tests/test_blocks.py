"""convkit.models.blocks: shapes, parameter counts and forward passes checked against plain PyTorch ops."""

import itertools

import pytest
import torch
from torch.nn import functional as F

from convkit.models.blocks import BasicBlock, Bottleneck, DepthwiseSeparableConv, Inception


@pytest.fixture(autouse=True)
def float64():
    """Build modules and tensors in float64 for the comparisons, and restore the default afterwards."""
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(old)


def n_params(module):
    return sum(p.numel() for p in module.parameters())


# --------------------------------------------------------------------------------------- Inception


@pytest.mark.parametrize(
    "cin,c1,c2,c3,c4,hw",
    [
        (3, 2, (2, 4), (1, 3), 5, 7),
        (8, 4, (3, 6), (2, 2), 1, 9),
        (16, 1, (1, 1), (1, 1), 1, 5),
        (12, 5, (6, 8), (3, 4), 2, 1),
        (5, 3, (4, 2), (2, 6), 3, 12),
    ],
)
def test_inception_shape_and_forward_match_functional(cin, c1, c2, c3, c4, hw):
    torch.manual_seed(0)
    block = Inception(cin, c1, c2, c3, c4)
    x = torch.randn(2, cin, hw, hw + 1)
    y = block(x)
    assert y.shape == (2, c1 + c2[1] + c3[1] + c4, hw, hw + 1)
    assert block.out_channels == c1 + c2[1] + c3[1] + c4
    # the same computation written out with torch.nn.functional
    p1 = F.relu(F.conv2d(x, block.b1.weight, block.b1.bias))
    r2 = F.relu(F.conv2d(x, block.b2_reduce.weight, block.b2_reduce.bias))
    p2 = F.relu(F.conv2d(r2, block.b2.weight, block.b2.bias, padding=1))
    r3 = F.relu(F.conv2d(x, block.b3_reduce.weight, block.b3_reduce.bias))
    p3 = F.relu(F.conv2d(r3, block.b3.weight, block.b3.bias, padding=2))
    pooled = F.max_pool2d(x, 3, stride=1, padding=1)
    p4 = F.relu(F.conv2d(pooled, block.b4.weight, block.b4.bias))
    torch.testing.assert_close(y, torch.cat([p1, p2, p3, p4], dim=1))


def test_inception_parameter_count_formula_over_grid():
    for cin, c1, a, b, c, d, c4 in itertools.product([1, 7, 32], [1, 5], [2, 9], [3, 16], [1, 4], [2, 8], [1, 6]):
        block = Inception(cin, c1, (a, b), (c, d), c4)
        weights = cin * c1 + cin * a + 9 * a * b + cin * c + 25 * c * d + cin * c4
        biases = c1 + a + b + c + d + c4
        assert n_params(block) == weights + biases


def test_inception_googlenet_3a_counts():
    block = Inception(192, 64, (96, 128), (16, 32), 32)
    assert block.out_channels == 256
    assert n_params(block) == 163_696
    assert sum(p.numel() for p in block.parameters() if p.dim() > 1) == 163_328


@pytest.mark.parametrize(
    "args,exc",
    [
        ((0, 1, (1, 1), (1, 1), 1), ValueError),
        ((3, 1.5, (1, 1), (1, 1), 1), TypeError),
        ((3, 1, 4, (1, 1), 1), TypeError),
        ((3, 1, (1, 1), (1, 0), 1), ValueError),
        ((3, 1, (1, 1), (1, 1), -2), ValueError),
    ],
)
def test_inception_bad_arguments(args, exc):
    with pytest.raises(exc):
        Inception(*args)


# ------------------------------------------------------------------------------------- BasicBlock


@pytest.mark.parametrize("cin,cout,stride,hw", [(4, 4, 1, 8), (4, 8, 1, 7), (4, 4, 2, 9), (6, 3, 2, 8), (2, 5, 3, 10)])
def test_basic_block_shape_and_forward(cin, cout, stride, hw):
    torch.manual_seed(1)
    block = BasicBlock(cin, cout, stride).eval()
    x = torch.randn(2, cin, hw, hw)
    y = block(x)
    out = (hw - 1) // stride + 1
    assert y.shape == (2, cout, out, out)
    assert block.expansion == 1 and block.out_channels == cout
    needs_projection = stride != 1 or cin != cout
    assert isinstance(block.shortcut, torch.nn.Identity) != needs_projection
    # the same computation with functional ops and eval-mode BatchNorm
    def bn(t, m):
        return F.batch_norm(t, m.running_mean, m.running_var, m.weight, m.bias, training=False, eps=m.eps)

    h = F.relu(bn(F.conv2d(x, block.conv1[0].weight, stride=stride, padding=1), block.conv1[1]))
    h = bn(F.conv2d(h, block.conv2[0].weight, padding=1), block.conv2[1])
    s = bn(F.conv2d(x, block.shortcut[0].weight, stride=stride), block.shortcut[1]) if needs_projection else x
    torch.testing.assert_close(y, F.relu(h + s))


def test_basic_block_identity_shortcut_passes_input_through():
    torch.manual_seed(2)
    block = BasicBlock(5, 5).eval()
    with torch.no_grad():
        block.conv2[0].weight.zero_()
    x = torch.randn(3, 5, 6, 6)
    torch.testing.assert_close(block(x), F.relu(x))


def test_basic_block_weight_count_formula_over_grid():
    for cin, cout, stride in itertools.product([1, 3, 16], [1, 4, 16], [1, 2]):
        block = BasicBlock(cin, cout, stride, use_bn=False)
        projection = cin * cout if (stride != 1 or cin != cout) else 0
        assert n_params(block) == 9 * cin * cout + 9 * cout * cout + projection
        assert all(p.dim() == 4 for p in block.parameters())  # bias-free convolutions only


def test_two_3x3_convs_of_256_channels():
    assert n_params(BasicBlock(256, 256, use_bn=False)) == 1_179_648 == 2 * 9 * 256 * 256


@pytest.mark.parametrize("kwargs,exc", [({"stride": 0}, ValueError), ({"stride": 1.0}, TypeError), ({"use_bn": 1}, TypeError)])
def test_basic_block_bad_arguments(kwargs, exc):
    with pytest.raises(exc):
        BasicBlock(4, 4, **kwargs)


# ------------------------------------------------------------------------------------- Bottleneck


@pytest.mark.parametrize(
    "cin,mid,stride,expansion,hw",
    [(16, 4, 1, 4, 6), (8, 4, 1, 4, 6), (16, 4, 2, 4, 7), (6, 3, 1, 2, 5), (5, 2, 3, 1, 9), (2, 2, 1, 1, 4)],
)
def test_bottleneck_shape_and_forward(cin, mid, stride, expansion, hw):
    torch.manual_seed(3)
    block = Bottleneck(cin, mid, stride, expansion).eval()
    x = torch.randn(2, cin, hw, hw)
    y = block(x)
    out = (hw - 1) // stride + 1
    assert y.shape == (2, mid * expansion, out, out)
    assert block.out_channels == mid * expansion and block.expansion == expansion
    needs_projection = stride != 1 or cin != mid * expansion
    assert isinstance(block.shortcut, torch.nn.Identity) != needs_projection

    def bn(t, m):
        return F.batch_norm(t, m.running_mean, m.running_var, m.weight, m.bias, training=False, eps=m.eps)

    h = F.relu(bn(F.conv2d(x, block.reduce[0].weight), block.reduce[1]))
    h = F.relu(bn(F.conv2d(h, block.conv[0].weight, stride=stride, padding=1), block.conv[1]))
    h = bn(F.conv2d(h, block.expand[0].weight), block.expand[1])
    s = bn(F.conv2d(x, block.shortcut[0].weight, stride=stride), block.shortcut[1]) if needs_projection else x
    torch.testing.assert_close(y, F.relu(h + s))


def test_bottleneck_identity_shortcut_passes_input_through():
    torch.manual_seed(4)
    block = Bottleneck(8, 2).eval()
    with torch.no_grad():
        block.expand[0].weight.zero_()
    x = torch.randn(2, 8, 5, 5)
    torch.testing.assert_close(block(x), F.relu(x))


def test_bottleneck_weight_count_formula_over_grid():
    for cin, mid, stride, e in itertools.product([4, 16, 64], [1, 4, 16], [1, 2], [1, 2, 4]):
        block = Bottleneck(cin, mid, stride, e, use_bn=False)
        projection = e * cin * mid if (stride != 1 or cin != e * mid) else 0
        assert n_params(block) == cin * mid + 9 * mid * mid + e * mid * mid + projection


def test_bottleneck_256_64_256_weight_count():
    assert n_params(Bottleneck(256, 64, use_bn=False)) == 69_632 == 256 * 64 + 64 * 64 * 9 + 64 * 256


@pytest.mark.parametrize("args,exc", [((0, 4), ValueError), ((4, 4, 1, 0), ValueError), ((4, "4"), TypeError)])
def test_bottleneck_bad_arguments(args, exc):
    with pytest.raises(exc):
        Bottleneck(*args)


# -------------------------------------------------------------------------- DepthwiseSeparableConv


def test_depthwise_separable_forward_over_grid():
    torch.manual_seed(5)
    for cin, cout, k, stride, padding, dilation in itertools.product([1, 3], [2, 5], [1, 3, 5], [1, 2], [0, 2], [1, 2]):
        block = DepthwiseSeparableConv(cin, cout, k, stride, padding, dilation)
        x = torch.randn(2, cin, 11, 10)
        y = block(x)
        h = (11 + 2 * padding - dilation * (k - 1) - 1) // stride + 1
        w = (10 + 2 * padding - dilation * (k - 1) - 1) // stride + 1
        assert y.shape == (2, cout, h, w)
        dw = block.depthwise
        expected = F.conv2d(x, dw.weight, dw.bias, stride=stride, padding=padding, dilation=dilation, groups=cin)
        expected = F.conv2d(expected, block.pointwise.weight, block.pointwise.bias)
        torch.testing.assert_close(y, expected)
        assert dw.weight.shape == (cin, 1, k, k) and block.pointwise.weight.shape == (cout, cin, 1, 1)
        assert n_params(block) == cin * k * k + cin + cin * cout + cout


@pytest.mark.parametrize(
    "kwargs,exc",
    [({"kernel_size": 0}, ValueError), ({"padding": -1}, ValueError), ({"dilation": 2.0}, TypeError), ({"stride": True}, TypeError)],
)
def test_depthwise_separable_bad_arguments(kwargs, exc):
    with pytest.raises(exc):
        DepthwiseSeparableConv(4, 8, **kwargs)
