"""convkit.models: shapes and parameter counts against numbers computed here from the layer sizes,
forward passes against plain torch.nn.functional, and the formulas chapter 09 states, over grids (float64)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import torch
from torch import nn
from torch.nn import functional as F

from convkit import batch_norm2d
from convkit.models import (
    GOOGLENET_INCEPTIONS,
    VGG,
    VGG_ARCHS,
    AlexNet,
    BasicBlock,
    Bottleneck,
    GoogLeNet,
    Inception,
    LeNet5,
    NiN,
    ResNet,
    copy_weights,
    count_parameters,
    format_layer_table,
    layer_table,
    nin_block,
    resnet18,
    resnet34,
    resnet50,
    small_resnet,
    vgg_block,
)
from convkit.models.fast import FastCNN
from convkit.models.small import SmallCNN
from convkit.training.train import seed_everything


@pytest.fixture(autouse=True)
def float64():
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(old)


# Parameter counts written out from layer sizes (never from a model's own count).
def conv(cin, cout, k, bias=True):
    return cin * cout * k * k + (cout if bias else 0)


def linear(fin, fout):
    return fin * fout + fout


def bn(c):
    return 2 * c


def basic(cin, cout, stride):
    p = conv(cin, cout, 3, False) + bn(cout) + conv(cout, cout, 3, False) + bn(cout)
    if stride != 1 or cin != cout:
        p += conv(cin, cout, 1, False) + bn(cout)
    return p


def bottleneck(cin, mid, stride, e=4):
    p = conv(cin, mid, 1, False) + bn(mid) + conv(mid, mid, 3, False) + bn(mid) + conv(mid, mid * e, 1, False) + bn(mid * e)
    if stride != 1 or cin != mid * e:
        p += conv(cin, mid * e, 1, False) + bn(mid * e)
    return p


def inception(cin, c1, c2, c3, c4):
    return conv(cin, c1, 1) + conv(cin, c2[0], 1) + conv(c2[0], c2[1], 3) + conv(cin, c3[0], 1) + conv(c3[0], c3[1], 5) + conv(cin, c4, 1)


def meta(build):
    with torch.device("meta"):
        return build()


def out_size(h, k, s=1, p=0):
    return (h + 2 * p - k) // s + 1


# ---------------------------------------------------------------------------------------------- LeNet


@pytest.mark.parametrize("cin,classes", [(1, 10), (3, 10), (1, 2), (2, 100)])
@pytest.mark.parametrize("variant", ["original", "modern"])
def test_lenet_parameter_count_and_shapes(variant, cin, classes):
    net = LeNet5(variant, in_channels=cin, num_classes=classes)
    expected = conv(cin, 6, 5) + conv(6, 16, 5) + linear(16 * 5 * 5, 120) + linear(120, 84) + linear(84, classes)
    assert count_parameters(net) == expected
    rows = layer_table(net, (cin, 28, 28))
    shapes = [r[2][1:] for r in rows]
    assert shapes[:7] == [(6, 28, 28), (6, 28, 28), (6, 14, 14), (16, 10, 10), (16, 10, 10), (16, 5, 5), (400,)]
    assert shapes[-1] == (classes,)


def test_lenet_61706_parameters_at_one_channel_ten_classes():
    assert count_parameters(LeNet5()) == 156 + 2416 + 48120 + 10164 + 850 == 61706


@pytest.mark.parametrize("variant", ["original", "modern"])
def test_lenet_forward_matches_functional(variant):
    torch.manual_seed(0)
    net = LeNet5(variant)
    x = torch.rand(3, 1, 28, 28)
    act = torch.sigmoid if variant == "original" else F.relu
    pool = F.avg_pool2d if variant == "original" else F.max_pool2d
    c1, c2, f1, f2, f3 = (m for m in net if isinstance(m, (nn.Conv2d, nn.Linear)))
    h = pool(act(F.conv2d(x, c1.weight, c1.bias, padding=2)), 2)
    h = pool(act(F.conv2d(h, c2.weight, c2.bias)), 2).flatten(1)
    h = act(F.linear(h, f1.weight, f1.bias))
    h = act(F.linear(h, f2.weight, f2.bias))
    torch.testing.assert_close(net(x), F.linear(h, f3.weight, f3.bias))


def test_lenet_rejects_bad_arguments():
    with pytest.raises(ValueError, match="variant"):
        LeNet5("relu")
    with pytest.raises(TypeError, match="in_channels"):
        LeNet5("modern", in_channels=1.0)
    with pytest.raises(ValueError, match="num_classes"):
        LeNet5("modern", num_classes=0)


# ---------------------------------------------------------------------------------------------- AlexNet


def alexnet_side(h, first_padding=2):
    h = out_size(h, 11, 4, first_padding)
    h = out_size(h, 3, 2)
    h = out_size(h, 5, 1, 2)
    h = out_size(h, 3, 2)
    h = out_size(h, 3, 1, 1)
    return out_size(h, 3, 2)


def test_alexnet_224_gives_256x6x6_and_the_paper_parameter_count():
    net = meta(AlexNet)
    assert net.features(torch.zeros(1, 3, 224, 224, device="meta")).shape == (1, 256, 6, 6)
    expected = (conv(3, 96, 11) + conv(96, 256, 5) + conv(256, 384, 3) + conv(384, 384, 3) + conv(384, 256, 3)
                + linear(256 * 6 * 6, 4096) + linear(4096, 4096) + linear(4096, 1000))  # fmt: skip
    assert count_parameters(net) == expected == 62_378_344
    assert net(torch.zeros(2, 3, 224, 224, device="meta")).shape == (2, 1000)


@pytest.mark.parametrize("first_padding", [0, 1, 2, 3])
def test_alexnet_side_formula_against_torch_over_a_grid(first_padding):
    """The floor chain the book states, for the padding of the first conv (1: seed 002, 2: correct)."""
    layers = nn.Sequential(
        nn.Conv2d(1, 1, 11, stride=4, padding=first_padding), nn.MaxPool2d(3, 2),
        nn.Conv2d(1, 1, 5, padding=2), nn.MaxPool2d(3, 2),
        nn.Conv2d(1, 1, 3, padding=1), nn.MaxPool2d(3, 2),
    )  # fmt: skip
    for h in range(67, 260, 7):
        assert layers(torch.zeros(1, 1, h, h)).shape[-1] == alexnet_side(h, first_padding), h
    assert alexnet_side(224, 1) == 5 and alexnet_side(224, 2) == 6


def test_alexnet_init_parameters_reaches_every_layer():
    torch.manual_seed(0)
    net = AlexNet(num_classes=10, init_std=0.02)
    layers = [m for m in net.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    assert len(layers) == 8
    for m in layers:
        assert torch.count_nonzero(m.bias) == 0
        assert abs(m.weight.std().item() - 0.02) < 0.002
    with pytest.raises(ValueError, match="std"):
        net.init_parameters(0)


def test_alexnet_forward_on_small_batch():
    torch.manual_seed(0)
    net = AlexNet(num_classes=7, in_channels=1).eval()
    assert net(torch.rand(2, 1, 224, 224)).shape == (2, 7)
    with pytest.raises(ValueError, match="dropout"):
        AlexNet(dropout=1.0)


# ---------------------------------------------------------------------------------------------- VGG


@pytest.mark.parametrize("n,cin,cout,h", [(1, 3, 4, 8), (2, 1, 5, 9), (3, 4, 2, 16), (4, 2, 3, 5)])
def test_vgg_block_shape_params_and_forward(n, cin, cout, h):
    torch.manual_seed(0)
    block = vgg_block(n, cin, cout)
    assert count_parameters(block) == conv(cin, cout, 3) + (n - 1) * conv(cout, cout, 3)
    x = torch.randn(2, cin, h, h + 3)
    ref = x
    for m in block:
        if isinstance(m, nn.Conv2d):
            ref = F.relu(F.conv2d(ref, m.weight, m.bias, padding=1))
    ref = F.max_pool2d(ref, 2)
    y = block(x)
    assert y.shape == (2, cout, h // 2, (h + 3) // 2)
    torch.testing.assert_close(y, ref)


@pytest.mark.parametrize("name,total", [("vgg11", 132_863_336), ("vgg13", 133_047_848), ("vgg16", 138_357_544), ("vgg19", 143_667_240)])
def test_vgg_paper_networks(name, total):
    net = meta(lambda: VGG(name))
    p, cin = 0, 3
    for num, cout in VGG_ARCHS[name]:
        p += conv(cin, cout, 3) + (num - 1) * conv(cout, cout, 3)
        cin = cout
    p += linear(512 * 7 * 7, 4096) + linear(4096, 4096) + linear(4096, 1000)
    assert count_parameters(net) == p == total
    assert net(torch.zeros(1, 3, 224, 224, device="meta")).shape == (1, 1000)


@pytest.mark.parametrize("size", [28, 31, 32, 64, 67])
def test_vgg_small_input_sizes(size):
    arch = ((1, 4), (2, 8), (1, 8))
    net = VGG(arch, in_channels=1, num_classes=10, input_size=size, hidden=16).eval()
    assert net(torch.zeros(2, 1, size, size)).shape == (2, 10)
    side = size // 8
    assert net.classifier[1].in_features == 8 * side * side


def test_vgg_rejects_bad_arguments():
    with pytest.raises(ValueError, match="conv_arch"):
        VGG("vgg12")
    with pytest.raises(TypeError, match="conv_arch"):
        VGG(((1, 8), 3))
    with pytest.raises(ValueError, match="input_size"):
        VGG(((1, 4),) * 6, input_size=32)


# ---------------------------------------------------------------------------------------------- NiN


@pytest.mark.parametrize("cin,cout,k,s,p,h", [(1, 4, 5, 2, 1, 28), (3, 6, 3, 1, 1, 10), (2, 3, 11, 4, 0, 40)])
def test_nin_block_shape_params_and_forward(cin, cout, k, s, p, h):
    torch.manual_seed(0)
    block = nin_block(cin, cout, k, s, p)
    assert count_parameters(block) == conv(cin, cout, k) + 2 * conv(cout, cout, 1)
    x = torch.randn(2, cin, h, h)
    c0, c1, c2 = (m for m in block if isinstance(m, nn.Conv2d))
    ref = F.relu(F.conv2d(x, c0.weight, c0.bias, stride=s, padding=p))
    ref = F.relu(F.conv2d(ref, c1.weight, c1.bias))
    ref = F.relu(F.conv2d(ref, c2.weight, c2.bias))
    y = block(x)
    assert y.shape[-1] == out_size(h, k, s, p)
    torch.testing.assert_close(y, ref)


def test_nin_parameter_count_and_shapes():
    net = meta(lambda: NiN(num_classes=1000))
    expected = (conv(3, 96, 11) + 2 * conv(96, 96, 1) + conv(96, 256, 5) + 2 * conv(256, 256, 1)
                + conv(256, 384, 3) + 2 * conv(384, 384, 1) + conv(384, 1000, 3) + 2 * conv(1000, 1000, 1))  # fmt: skip
    assert count_parameters(net) == expected
    rows = layer_table(net.net, (3, 224, 224))
    assert rows[7][2] == (1, 1000, 5, 5) and rows[-1][2] == (1, 1000)
    small = NiN(in_channels=1, num_classes=10).eval()
    assert small(torch.zeros(1, 1, 67, 67)).shape == (1, 10)
    with pytest.raises(RuntimeError):
        small(torch.zeros(1, 1, 66, 66))


# ---------------------------------------------------------------------------------------------- GoogLeNet


def test_googlenet_parameter_count_and_shapes():
    net = meta(GoogLeNet)
    expected = conv(3, 64, 7) + conv(64, 64, 1) + conv(64, 192, 3)
    expected += sum(inception(*cfg) for cfg in GOOGLENET_INCEPTIONS.values())
    expected += linear(1024, 1000)
    assert count_parameters(net) == expected
    # each block's input channels are the previous block's outputs
    outs = [c[1] + c[2][1] + c[3][1] + c[4] for c in GOOGLENET_INCEPTIONS.values()]
    ins = [c[0] for c in GOOGLENET_INCEPTIONS.values()]
    assert ins == [192] + outs[:-1] and outs[-1] == 1024
    sizes = [r[2][1:] for r in layer_table(net, (3, 224, 224))]
    assert sizes == [(64, 56, 56), (192, 28, 28), (480, 14, 14), (832, 7, 7), (1024,), (1000,)]


def test_googlenet_small_input_forward():
    torch.manual_seed(0)
    net = GoogLeNet(in_channels=1, num_classes=10).eval()
    assert net(torch.rand(2, 1, 96, 96)).shape == (2, 10)


# ---------------------------------------------------------------------------------------------- ResNet


def resnet_params(block, layers, widths, cin, classes, stem="imagenet", e=4):
    k = 7 if stem == "imagenet" else 3
    p = conv(cin, widths[0], k, False) + bn(widths[0])
    c = widths[0]
    for i, (n, w) in enumerate(zip(layers, widths)):
        for j in range(n):
            stride = 2 if i > 0 and j == 0 else 1
            if block == "basic":
                p += basic(c, w, stride)
                c = w
            else:
                p += bottleneck(c, w, stride, e)
                c = w * e
    return p + linear(c, classes)


def test_resnet18_has_11689512_parameters_by_an_independent_sum():
    independent = (
        conv(3, 64, 7, False) + bn(64)
        + 2 * (2 * (conv(64, 64, 3, False) + bn(64)))
        + (conv(64, 128, 3, False) + conv(128, 128, 3, False) + conv(64, 128, 1, False) + 3 * bn(128))
        + 2 * (conv(128, 128, 3, False) + bn(128))
        + (conv(128, 256, 3, False) + conv(256, 256, 3, False) + conv(128, 256, 1, False) + 3 * bn(256))
        + 2 * (conv(256, 256, 3, False) + bn(256))
        + (conv(256, 512, 3, False) + conv(512, 512, 3, False) + conv(256, 512, 1, False) + 3 * bn(512))
        + 2 * (conv(512, 512, 3, False) + bn(512))
        + linear(512, 1000)
    )  # fmt: skip
    assert independent == 11_689_512
    assert count_parameters(meta(resnet18)) == independent


def test_resnet34_and_resnet50_parameter_counts():
    assert count_parameters(meta(resnet34)) == resnet_params("basic", (3, 4, 6, 3), (64, 128, 256, 512), 3, 1000) == 21_797_672
    assert count_parameters(meta(resnet50)) == resnet_params("bottleneck", (3, 4, 6, 3), (64, 128, 256, 512), 3, 1000) == 25_557_032


@pytest.mark.parametrize(
    "block,layers,widths,cin,classes,stem",
    [
        ("basic", (1, 1, 1), (16, 32, 64), 1, 10, "small"),
        ("basic", (2, 2, 2), (16, 32, 64), 1, 10, "small"),
        ("basic", (2, 1), (8, 8), 3, 5, "imagenet"),
        ("bottleneck", (1, 2), (4, 8), 2, 7, "small"),
        ("bottleneck", (2, 1, 1), (8, 16, 32), 3, 100, "imagenet"),
    ],
)
def test_resnet_configurations(block, layers, widths, cin, classes, stem):
    net = ResNet(block, layers, widths, cin, classes, stem=stem).eval()
    assert count_parameters(net) == resnet_params(block, layers, widths, cin, classes, stem)
    side = 28 if stem == "small" else 64
    x = torch.rand(2, cin, side, side)
    assert net(x).shape == (2, classes)
    h = side if stem == "small" else out_size(out_size(side, 7, 2, 3), 3, 2, 1)
    for i, stage in enumerate(net.stages):
        if i > 0:
            h = (h - 1) // 2 + 1
        x_stage = layer_table(net, (cin, side, side), depth=2)
        shape = [r[2] for r in x_stage if r[0] == f"stages.{i}"][0]
        assert shape[-1] == h


def test_small_resnet_for_digits():
    net = small_resnet()
    assert count_parameters(net) == resnet_params("basic", (2, 2, 2), (16, 32, 64), 1, 10, "small")
    sizes = [r[2][1:] for r in layer_table(net, (1, 28, 28), depth=2) if r[0].startswith("stages.")]
    assert sizes == [(16, 28, 28), (32, 14, 14), (64, 7, 7)]


def test_resnet_rejects_bad_arguments():
    with pytest.raises(ValueError, match="block"):
        ResNet("wide")
    with pytest.raises(ValueError, match="stem"):
        ResNet(stem="cifar")
    with pytest.raises(ValueError, match="same length"):
        ResNet(layers=(1, 1), widths=(8,))
    with pytest.raises(ValueError, match=r"widths\[1\]"):
        ResNet(layers=(1, 1), widths=(8, 0))


def test_resnet_forward_equals_the_blocks_run_by_hand():
    torch.manual_seed(0)
    net = small_resnet(layers=(1, 1, 1)).eval()
    x = torch.rand(2, 1, 28, 28)
    conv0, bn0 = net.stem[0], net.stem[1]
    h = F.relu(F.batch_norm(F.conv2d(x, conv0.weight, padding=1), bn0.running_mean, bn0.running_var, bn0.weight, bn0.bias))
    for stage in net.stages:
        for block in stage:
            h = block(h)
    h = F.adaptive_avg_pool2d(h, 1).flatten(1)
    torch.testing.assert_close(net(x), F.linear(h, net.head[2].weight, net.head[2].bias))


# ------------------------------------------------------------------- the block formulas the chapter states


def test_basic_block_parameter_formula_over_grid():
    """9 Cin Cout + 9 Cout^2 + 4 Cout (+ Cin Cout + 2 Cout for a projection)."""
    for cin, cout, stride in itertools.product([1, 3, 16, 64], [2, 8, 64], [1, 2]):
        proj = stride != 1 or cin != cout
        formula = 9 * cin * cout + 9 * cout**2 + 4 * cout + (cin * cout + 2 * cout if proj else 0)
        assert count_parameters(BasicBlock(cin, cout, stride)) == formula == basic(cin, cout, stride)


def test_bottleneck_parameter_formula_over_grid():
    """Cin m + 9 m^2 + e m^2 + 2(2m + e m) (+ e Cin m + 2 e m for a projection)."""
    for cin, mid, stride, e in itertools.product([4, 16, 256], [2, 8, 64], [1, 2], [1, 4]):
        proj = stride != 1 or cin != mid * e
        formula = cin * mid + 9 * mid**2 + e * mid**2 + 2 * (2 * mid + e * mid) + (e * cin * mid + 2 * e * mid if proj else 0)
        assert count_parameters(Bottleneck(cin, mid, stride, e)) == formula


def test_linear_and_flatten_head_formula_over_grid():
    """Flatten(C, H, W) has C H W features; Linear(C H W, n) has C H W n + n parameters."""
    for c, h, w, n in itertools.product([1, 16, 256], [1, 5, 7], [1, 5, 6], [10, 120, 4096]):
        head = nn.Sequential(nn.Flatten(), nn.Linear(c * h * w, n, device="meta"))
        assert head(torch.zeros(2, c, h, w, device="meta")).shape == (2, n)
        assert count_parameters(head) == c * h * w * n + n


@pytest.mark.parametrize("channels", [1, 3, 16])
def test_residual_identity_at_zero_weights(channels):
    """With the residual branch's last BN scaled to zero, an identity-shortcut block is relu(x)."""
    block = BasicBlock(channels, channels).eval()
    nn.init.zeros_(block.conv2[1].weight)
    nn.init.zeros_(block.conv2[1].bias)
    x = torch.randn(2, channels, 5, 5)
    torch.testing.assert_close(block(x), F.relu(x))


# ---------------------------------------------------------------------------------------------- batch norm


@pytest.mark.parametrize("n,c,h,w", [(2, 1, 1, 2), (4, 3, 5, 5), (1, 2, 3, 4), (8, 5, 1, 1), (3, 4, 7, 2)])
@pytest.mark.parametrize("momentum,eps", [(0.1, 1e-5), (0.5, 1e-3), (1.0, 1e-9)])
def test_batch_norm2d_matches_torch_in_train_and_eval(n, c, h, w, momentum, eps):
    rng = np.random.default_rng(n * 100 + c)
    x = rng.normal(2.0, 3.0, size=(n, c, h, w))
    gamma, beta = rng.normal(size=c), rng.normal(size=c)
    rm, rv = rng.normal(size=c), rng.uniform(0.5, 2.0, size=c)
    layer = nn.BatchNorm2d(c, eps=eps, momentum=momentum)
    with torch.no_grad():
        layer.weight.copy_(torch.from_numpy(gamma))
        layer.bias.copy_(torch.from_numpy(beta))
        layer.running_mean.copy_(torch.from_numpy(rm))
        layer.running_var.copy_(torch.from_numpy(rv))
    y, m, v = batch_norm2d(x, rm, rv, gamma, beta, training=True, momentum=momentum, eps=eps)
    ref = layer.train()(torch.from_numpy(x))
    np.testing.assert_allclose(y, ref.detach().numpy(), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(m, layer.running_mean.numpy(), rtol=1e-12)
    np.testing.assert_allclose(v, layer.running_var.numpy(), rtol=1e-12)
    y_eval, _, _ = batch_norm2d(x, m, v, gamma, beta, training=False, eps=eps)
    np.testing.assert_allclose(y_eval, layer.eval()(torch.from_numpy(x)).detach().numpy(), rtol=1e-10, atol=1e-10)


def test_batch_norm2d_train_output_has_zero_mean_unit_variance_per_channel():
    x = np.random.default_rng(0).normal(5.0, 4.0, size=(6, 3, 4, 4))
    y, _, _ = batch_norm2d(x, None, None, training=True, eps=1e-12)
    np.testing.assert_allclose(y.mean(axis=(0, 2, 3)), 0.0, atol=1e-12)
    np.testing.assert_allclose(y.var(axis=(0, 2, 3)), 1.0, rtol=1e-10)


def test_batch_norm2d_rejects_bad_arguments():
    x = np.zeros((2, 3, 2, 2))
    with pytest.raises(ValueError, match="input"):
        batch_norm2d(np.zeros((2, 3)), None, None, training=True)
    with pytest.raises(ValueError, match="weight"):
        batch_norm2d(x, None, None, weight=np.ones(2), training=True)
    with pytest.raises(ValueError, match="running_mean"):
        batch_norm2d(x, None, None)
    with pytest.raises(ValueError, match="one value per channel"):
        batch_norm2d(np.zeros((1, 3, 1, 1)), None, None, training=True)
    with pytest.raises(ValueError, match="momentum"):
        batch_norm2d(x, None, None, training=True, momentum=2)
    with pytest.raises(TypeError, match="training"):
        batch_norm2d(x, None, None, training="yes")
    with pytest.raises(ValueError, match="eps"):
        batch_norm2d(x, None, None, training=True, eps=0.0)


# ---------------------------------------------------------------------------------------------- utilities


def test_copy_weights_makes_two_differently_named_modules_agree():
    torch.manual_seed(0)

    class Renamed(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = nn.Conv2d(4, 8, 3, stride=2, padding=1, bias=False)
            self.a_bn = nn.BatchNorm2d(8)
            self.b = nn.Conv2d(8, 8, 3, padding=1, bias=False)
            self.b_bn = nn.BatchNorm2d(8)
            self.s = nn.Conv2d(4, 8, 1, stride=2, bias=False)
            self.s_bn = nn.BatchNorm2d(8)

        def forward(self, x):
            y = self.b_bn(self.b(F.relu(self.a_bn(self.a(x)))))
            return F.relu(y + self.s_bn(self.s(x)))

    ref = BasicBlock(4, 8, stride=2)
    with torch.no_grad():  # non-trivial BN statistics
        ref.train()(torch.randn(8, 4, 6, 6))
    mine = copy_weights(ref, Renamed())
    x = torch.randn(3, 4, 6, 6)
    torch.testing.assert_close(mine.eval()(x), ref.eval()(x))
    with pytest.raises(ValueError, match="shape"):
        copy_weights(BasicBlock(4, 8), BasicBlock(4, 6))
    with pytest.raises(ValueError, match="tensors"):
        copy_weights(BasicBlock(4, 4), BasicBlock(4, 8))


def test_layer_table_on_meta_and_format():
    net = meta(lambda: LeNet5("modern"))
    rows = layer_table(net, (1, 28, 28))
    assert len(rows) == 12 and rows[0] == ("0", "Conv2d", (1, 6, 28, 28), 156)
    text = format_layer_table(rows)
    assert text.splitlines()[-1].split() == ["total", "61,706"]
    with pytest.raises(TypeError, match="input_size"):
        layer_table(net, 28)
    with pytest.raises(ValueError, match="depth"):
        layer_table(net, (1, 28, 28), depth=0)


def test_models_package_reexports_the_blocks():
    from convkit.models import blocks

    assert Inception is blocks.Inception and BasicBlock is blocks.BasicBlock and Bottleneck is blocks.Bottleneck
    assert math.isclose(count_parameters(Inception(192, 64, (96, 128), (16, 32), 32)), inception(192, 64, (96, 128), (16, 32), 32))


@pytest.mark.parametrize(
    "make",
    [lambda: LeNet5("original"), lambda: LeNet5("modern"), SmallCNN, FastCNN],
    ids=["lenet-original", "lenet-modern", "small", "fast"],
)
def test_slicing_a_named_network_gives_its_layers(make):
    """nn.Sequential slices call the subclass's constructor with the layers, which LeNet5,
    SmallCNN and FastCNN reject; their slices are plain Sequentials sharing the layers."""
    seed_everything(0)
    net = make().eval()
    x = torch.randn(2, 1, 28, 28)
    head, tail = net[:4], net[4:]
    assert type(head) is nn.Sequential and type(tail) is nn.Sequential
    assert list(head) + list(tail) == list(net)
    assert head[0] is net[0] and isinstance(net[0], nn.Module)
    torch.testing.assert_close(tail(head(x)), net(x))
