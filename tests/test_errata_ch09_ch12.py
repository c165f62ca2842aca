"""The claims that chapters 09, 11 and 12 compute and state, recomputed (issue 12).

Each test rebuilds the page's computation with the same convkit functions and checks the
statement the page makes about its result.
"""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.nn import functional as F

from convkit import conv_output_size, pool_output_size
from convkit.data import mnist_train_val
from convkit.models import BasicBlock


def _seed_sides(h, first_padding):
    """Chapter 09: the side after each layer of the CNN lecture notes' AlexNet features."""
    steps = [("conv1", lambda n: conv_output_size(n, 11, 4, first_padding)),
             ("pool1", lambda n: pool_output_size(n, 3, 2)),
             ("conv2", lambda n: conv_output_size(n, 5, 1, 2)),
             ("pool2", lambda n: pool_output_size(n, 3, 2)),
             ("conv3", lambda n: conv_output_size(n, 3, 1, 1)),
             ("conv4", lambda n: conv_output_size(n, 3, 1, 1)),
             ("pool3", lambda n: pool_output_size(n, 3, 2))]  # fmt: skip
    sides = []
    for name, step in steps:
        h = step(h)
        sides.append((name, h))
    return sides


def _seed_features(first_padding):
    return nn.Sequential(
        nn.Conv2d(3, 96, 11, stride=4, padding=first_padding), nn.MaxPool2d(3, 2), nn.ReLU(),
        nn.Conv2d(96, 256, 5, padding=2), nn.MaxPool2d(3, 2), nn.ReLU(),
        nn.Conv2d(256, 384, 3, padding=1), nn.ReLU(),
        nn.Conv2d(384, 256, 3, padding=1), nn.MaxPool2d(3, 2), nn.ReLU(),
    )  # fmt: skip


def test_alexnet_erratum_the_first_convolution_loses_the_pixel():
    p1, p2 = _seed_sides(224, 1), _seed_sides(224, 2)
    first = next(name for (name, a), (_, b) in zip(p1, p2) if a != b)
    assert first == "conv1" and (p1[0][1], p2[0][1]) == (54, 55)
    assert (p1[-1][1], p2[-1][1]) == (5, 6)
    # The side chain agrees with PyTorch, and four conv layers with padding 2 already give 6x6:
    # the missing fifth layer is not the cause.
    with torch.no_grad():
        for p in (1, 2):
            out = _seed_features(p)(torch.zeros(1, 3, 224, 224))
            assert tuple(out.shape[1:]) == (256, _seed_sides(224, p)[-1][1], _seed_sides(224, p)[-1][1])


def test_default_conv_init_has_a_sixth_of_he_variance():
    torch.manual_seed(0)
    for c_in, k in [(16, 3), (64, 3), (8, 5), (200, 1)]:
        w = nn.Conv2d(c_in, 512, k).weight
        fan_in = c_in * k * k
        assert abs(w.var().item() * fan_in - 1 / 3) < 0.02
        nn.init.kaiming_normal_(w, nonlinearity="relu")
        assert abs(w.var().item() * fan_in - 2) < 0.1


class _Plain(BasicBlock):
    def forward(self, x):
        return F.relu(self.conv2(F.relu(self.conv1(x))))


def _stack(block_type, depth, use_bn, init="default", width=16):
    torch.manual_seed(0)
    blocks = [block_type(width, width, use_bn=use_bn) for _ in range(depth)]
    net = nn.Sequential(nn.Conv2d(1, width, 3, padding=1), *blocks,
                        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(width, 10))  # fmt: skip
    if init == "he":
        for m in net.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
    return net


@pytest.fixture(scope="module")
def digits():
    torch.set_num_threads(1)
    (x, y), _ = mnist_train_val(500, seed=0)
    return torch.from_numpy(x[:512])[:, None], torch.from_numpy(y[:512])


def _first_layer_gradient(block_type, depth, use_bn, init, digits):
    net = _stack(block_type, depth, use_bn, init)
    x, y = digits
    F.cross_entropy(net(x[:16]), y[:16]).backward()
    return net[0].weight.grad.norm().item()


def test_he_initialisation_is_the_control_for_the_vanishing_gradient(digits):
    """Chapter 09: without BN the plain stack's gradient vanishes with the default init only."""
    plain_default = _first_layer_gradient(_Plain, 32, False, "default", digits)
    plain_he_32 = _first_layer_gradient(_Plain, 32, False, "he", digits)
    plain_he_4 = _first_layer_gradient(_Plain, 4, False, "he", digits)
    res_default = _first_layer_gradient(BasicBlock, 32, False, "default", digits)
    res_he = _first_layer_gradient(BasicBlock, 32, False, "he", digits)
    assert plain_default < 1e-12 < 1e-4 < plain_he_32
    assert plain_he_32 > plain_he_4 / 100  # small, but far from vanishing
    assert res_default > 1e-3
    assert res_he > 100 * res_default  # without BN, shortcuts and He init explode


def test_degradation_a_deeper_plain_stack_trains_worse(digits):
    """Chapter 09: 80 Adam steps on 512 digits at 7x7, BN and He init (the page's setting)."""
    x_small, y_small = F.avg_pool2d(digits[0], 4), digits[1]

    def training_error(block_type, depth, steps=80):
        net = _stack(block_type, depth, use_bn=True, init="he", width=8)
        optimizer = torch.optim.Adam(net.parameters(), lr=0.01)
        batches = torch.Generator().manual_seed(0)
        for _ in range(steps):
            idx = torch.randperm(len(x_small), generator=batches)[:64]
            loss = F.cross_entropy(net(x_small[idx]), y_small[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        with torch.no_grad():
            return (net(x_small).argmax(1) != y_small).float().mean().item()

    plain_2, plain_16 = training_error(_Plain, 2), training_error(_Plain, 16)
    res_16 = training_error(BasicBlock, 16)
    assert plain_16 > plain_2 + 0.1
    assert res_16 < plain_16 - 0.1


def test_batchnorm_forward_passes_in_training_mode_change_its_running_statistics():
    """Chapter 09's fine-tuning pitfall: no optimiser, yet evaluation outputs change."""
    torch.manual_seed(0)
    bn, x = nn.BatchNorm2d(3), torch.randn(16, 3, 5, 5)
    with torch.no_grad():
        bn(x)
        before = bn.eval()(x)
        bn.train()
        bn(3 * x[:4] + 1)
        after = bn.eval()(x)
    assert (after - before).abs().max() > 0.1
    assert all(not p.grad for p in bn.parameters())
