"""convkit.formulas.receptive_field: the recursion against gradients measured in real torch stacks."""

from __future__ import annotations

import itertools
import subprocess
import sys

import numpy as np
import pytest
import torch
from torch import nn

from convkit.formulas.measured_field import measure_receptive_field
from convkit.formulas.receptive_field import LayerField, receptive_field


def _stack(layers, pool_at=()):
    """A torch stack with one conv (or pooling) layer per (k, s, p, d), ReLU in between."""
    mods = []
    for i, (k, s, p, d) in enumerate(layers):
        if i in pool_at:
            mods.append(nn.MaxPool2d(k, s, p, d))
        else:
            mods.append(nn.Conv2d(1 if i == 0 else 2, 2, k, stride=s, padding=p, dilation=d))
        mods.append(nn.ReLU())
    return nn.Sequential(*mods)


def _input_size(layers):
    f = receptive_field(layers)[-1]
    return f.size + 4 * f.jump + 3


def _brute_support(layers, unit, n):
    """Input pixels that unit ``unit`` of the last layer reaches, by following every tap.

    Independent of the recursion: walk down the stack, each unit u of a layer reading
    units u*s - p + i*d (i < k) of the layer below, dropping those that fall in the padding.
    """
    sizes = [n]
    for k, s, p, d in layers:
        sizes.append((sizes[-1] + 2 * p - d * (k - 1) - 1) // s + 1)
    units = {unit}
    for (k, s, p, d), below in zip(reversed(layers), reversed(sizes[:-1])):
        units = {u * s - p + i * d for u in units for i in range(k)}
        units = {u for u in units if 0 <= u < below}
    return units


def _check_unit(net, layers, field, unit, n):
    support = _brute_support(layers, unit, n)
    lo, hi = field.window(unit)
    if not support:  # the unit sees padding only: no input pixel reaches it
        with pytest.raises(ValueError, match="zero gradient"):
            measure_receptive_field(net, (1, n, n), unit=(unit, unit), n_samples=1)
        return
    m = measure_receptive_field(net, (1, n, n), unit=(unit, unit), n_samples=1)
    bbox = (min(support), max(support))
    assert m.rows == bbox and m.cols == bbox, (layers, unit, m.rows, bbox)
    # The formula's window holds every pixel the unit sees ...
    assert lo <= bbox[0] and bbox[1] <= hi, (layers, unit, (lo, hi), bbox)
    # ... and, when it lies inside the input, it is exactly the measured one.
    if lo >= 0 and hi <= n - 1:
        assert bbox == (lo, hi) and m.size == (field.size, field.size), (layers, unit, (lo, hi), bbox)
        return True
    return False


def _random_stacks(n, seed):
    rng = np.random.default_rng(seed)
    stacks = []
    while len(stacks) < n:
        depth = int(rng.integers(1, 4))
        layers = []
        for _ in range(depth):
            k = int(rng.choice([1, 2, 3, 4, 5]))
            s = int(rng.choice([1, 2, 3]))
            d = int(rng.choice([1, 2]))
            p = int(rng.integers(0, k // 2 + 1)) * d
            layers.append((k, s, p, d))
        stacks.append(layers)
    return stacks


def test_single_layer_grid_matches_measured_support():
    torch.manual_seed(0)
    for k, s, p, d in itertools.product([1, 2, 3, 5], [1, 2, 3], [0, 1, 2], [1, 2, 3]):
        layers = [(k, s, p, d)]
        n = _input_size(layers)
        field = receptive_field(layers, input_size=n)[-1]
        net = _stack(layers)
        with torch.no_grad():
            out_n = net(torch.zeros(1, 1, n, n)).shape[-1]
        assert field.output_size == out_n, layers
        inside = [_check_unit(net, layers, field, unit, n) for unit in (0, out_n // 2, out_n - 1)]
        assert inside[1], layers  # the central unit's field is never clipped here


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_stacks_match_measured_support(seed):
    torch.manual_seed(seed)
    for layers in _random_stacks(25, seed):
        n = _input_size(layers)
        field = receptive_field(layers, input_size=n)[-1]
        net = _stack(layers)
        with torch.no_grad():
            out_n = net(torch.zeros(1, 1, n, n)).shape[-1]
        assert field.output_size == out_n, layers
        inside = [_check_unit(net, layers, field, unit, n) for unit in (0, out_n // 2, out_n - 1)]
        assert inside[1], layers


def test_stack_with_max_pooling_matches_measured_support():
    torch.manual_seed(4)
    layers = [(3, 1, 1, 1), (2, 2, 0, 1), (3, 1, 1, 1), (2, 2, 0, 1), (3, 1, 0, 1)]
    n = 40
    field = receptive_field(layers, input_size=n)[-1]
    m = measure_receptive_field(_stack(layers, pool_at=(1, 3)), (1, n, n), n_samples=32)
    assert field.window(m.unit[0]) == (13.0, 30.0)
    assert m.rows == m.cols == (13, 30)
    assert m.size == (field.size, field.size) == (18, 18)


def test_stride_one_closed_form():
    for L, K in itertools.product(range(1, 8), range(1, 8)):
        fields = receptive_field([(K,)] * L)
        assert [f.size for f in fields] == [1 + l * (K - 1) for l in range(1, L + 1)]
        assert all(f.jump == 1 for f in fields)
    # Seed 003's worked example: 3 after one 3x3 layer, 5 after two.
    assert [f.size for f in receptive_field([(3,), (3,)])] == [3, 5]


def test_closed_form_measured_for_stride_one_stacks():
    torch.manual_seed(5)
    for L, K in [(1, 3), (2, 3), (4, 3), (3, 5), (2, 2)]:
        n = 1 + L * (K - 1) + 6
        m = measure_receptive_field(_stack([(K, 1, 0, 1)] * L), (1, n, n), n_samples=1)
        assert m.size == (1 + L * (K - 1),) * 2


def test_product_of_strides_not_previous_stride():
    layers = [(3, 2), (3, 2), (3, 2), (3, 1)]
    # Seed 003's recursion multiplies (k - 1) by the previous layer's stride only.
    r_prev, prev_s = 1, 1
    for k, s in layers:
        r_prev, prev_s = r_prev + (k - 1) * prev_s, s
    ours = receptive_field(layers)[-1]
    m = measure_receptive_field(_stack([(k, s, 0, 1) for k, s in layers]), (1, 60, 60), n_samples=1)
    assert m.size[0] == ours.size == 31
    assert r_prev == 15 != m.size[0]


def test_start_and_jump_values():
    f = receptive_field([dict(kernel_size=7, stride=2, padding=3), dict(kernel_size=3, stride=2, padding=1)])
    assert [(x.size, x.jump, x.start) for x in f] == [(7, 2, 0.0), (11, 4, 0.0)]
    f = receptive_field([(2, 2), (2, 2)])
    assert [(x.size, x.jump, x.start) for x in f] == [(2, 2, 0.5), (4, 4, 1.5)]
    assert f[-1].window(2) == (8.0, 11.0)


def test_layer_formats_agree():
    a = receptive_field([(3, 2, 1, 2), 5, [2, 1]])
    b = receptive_field([dict(kernel_size=3, stride=2, padding=1, dilation=2), dict(kernel_size=5), dict(kernel_size=2)])
    assert a == b
    assert isinstance(a[0], LayerField)


@pytest.mark.parametrize(
    "layers, exc, word",
    [
        ([(0,)], ValueError, "kernel_size"),
        ([(3, 0)], ValueError, "stride"),
        ([(3, 1, -1)], ValueError, "padding"),
        ([(3, 1, 0, 0)], ValueError, "dilation"),
        ([(3, 1, 0, 1, 9)], ValueError, r"layers\[0\]"),
        ([(3,), (2.5,)], TypeError, r"layers\[1\] kernel_size"),
        ([dict(kernel=3)], ValueError, "unknown keys"),
        ([dict(stride=2)], ValueError, "kernel_size"),
        ([object()], TypeError, r"layers\[0\]"),
        ("33", TypeError, "layers"),
    ],
)
def test_bad_layers(layers, exc, word):
    with pytest.raises(exc, match=word):
        receptive_field(layers)


def test_bad_input_size_and_measure_arguments():
    with pytest.raises(ValueError, match="input_size"):
        receptive_field([(5,), (5,)], input_size=6)
    with pytest.raises(TypeError, match="input_size"):
        receptive_field([(3,)], input_size=6.0)
    with pytest.raises(TypeError, match="model"):
        measure_receptive_field(lambda x: x, (1, 5, 5))
    with pytest.raises(ValueError, match="input_shape"):
        measure_receptive_field(nn.Conv2d(1, 1, 3), (5, 5))
    with pytest.raises(ValueError, match="unit"):
        measure_receptive_field(nn.Conv2d(1, 1, 3), (1, 5, 5), unit=(3, 0))


def test_measure_does_not_modify_the_model_and_uses_given_input():
    net = nn.Sequential(nn.Conv2d(1, 1, 3), nn.ReLU(), nn.Conv2d(1, 1, 3))
    before = [p.detach().clone() for p in net.parameters()]
    x = np.zeros((1, 9, 9))
    x[0, 4, 4] = 1.0
    m = measure_receptive_field(net, (1, 9, 9), positive=True, input=x)
    assert all(torch.equal(a, b) for a, b in zip(before, net.parameters()))
    assert m.size == (5, 5)


def test_import_stays_numpy_only():
    code = "import sys, convkit.formulas.receptive_field, convkit.functional.pooling; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
