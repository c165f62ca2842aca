"""Tests for convkit.functional.equivariance, checked against PyTorch layers in float64."""

import itertools

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from convkit.functional.equivariance import circular_shift, equivariance_error, invariance_error

SHIFTS = [(0, 0), (1, 0), (0, 1), (-2, 3), (5, -7), (13, 13)]


@pytest.mark.parametrize("shape", [(4, 5), (2, 3, 6, 4), (1, 1, 7, 7)])
@pytest.mark.parametrize("dy,dx", SHIFTS)
def test_circular_shift_matches_torch_roll(shape, dy, dx):
    x = np.random.default_rng(0).standard_normal(shape)
    expected = torch.roll(torch.from_numpy(x), shifts=(dy, dx), dims=(-2, -1)).numpy()
    np.testing.assert_array_equal(circular_shift(x, dy, dx), expected)


def test_circular_shift_direction():
    x = np.zeros((5, 5))
    x[1, 1] = 1.0
    out = circular_shift(x, 2, -3)
    assert out[3, 3] == 1.0  # down by 2, left by 3, wrapping 1 - 3 = -2 -> column 3
    assert out.sum() == 1.0


def torch_conv(weight, padding_mode):
    """A numpy-in, numpy-out stride-1 'same' convolution computed by torch."""
    k = weight.shape[-1]
    conv = torch.nn.Conv2d(weight.shape[1], weight.shape[0], k, padding=k // 2, padding_mode=padding_mode, bias=True)
    conv = conv.double()
    with torch.no_grad():
        conv.weight.copy_(torch.from_numpy(weight))
        conv.bias.fill_(0.3)

    def layer(x):
        with torch.no_grad():
            return conv(torch.from_numpy(x)).numpy()

    return layer


@pytest.mark.parametrize("k,cin,cout", [(1, 1, 1), (3, 1, 2), (3, 3, 4), (5, 2, 3)])
@pytest.mark.parametrize("dy,dx", SHIFTS)
def test_circular_conv_is_equivariant_not_invariant(k, cin, cout, dy, dx):
    rng = np.random.default_rng(k * 100 + cin * 10 + cout)
    x = rng.standard_normal((2, cin, 9, 8))
    layer = torch_conv(rng.standard_normal((cout, cin, k, k)), "circular")
    assert equivariance_error(layer, x, dy, dx) < 1e-12
    if (dy % 9, dx % 8) != (0, 0):
        assert invariance_error(layer, x, dy, dx) > 1e-3


@pytest.mark.parametrize("dy,dx", [s for s in SHIFTS if s != (0, 0)])
def test_zero_padded_conv_breaks_equivariance_at_the_border(dy, dx):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((1, 1, 10, 10))
    layer = torch_conv(rng.standard_normal((1, 1, 3, 3)), "zeros")
    assert equivariance_error(layer, x, dy, dx) > 1e-3
    # away from the border (2 pixels in from the edges and the wrap seam) the two still agree
    if (dy, dx) == (1, 0):
        a = layer(circular_shift(x, 1, 0))
        b = circular_shift(layer(x), 1, 0)
        np.testing.assert_allclose(a[..., 2:-2, 2:-2], b[..., 2:-2, 2:-2], atol=1e-12)


@pytest.mark.parametrize("dy,dx", [s for s in SHIFTS if s != (0, 0)])
def test_fully_connected_layer_is_neither(dy, dx):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((1, 6, 6))
    lin = torch.nn.Linear(36, 36).double()

    def mlp(t):
        with torch.no_grad():
            return lin(torch.from_numpy(t).reshape(1, 36)).reshape(t.shape).numpy()

    assert equivariance_error(mlp, x, dy, dx) > 1e-2
    assert invariance_error(mlp, x, dy, dx) > 1e-2


@pytest.mark.parametrize("dy,dx", SHIFTS)
def test_global_pooling_after_circular_conv_is_invariant(dy, dx):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 3, 8, 8))
    conv = torch_conv(rng.standard_normal((4, 3, 3, 3)), "circular")

    def net(t):
        return F.adaptive_avg_pool2d(torch.from_numpy(conv(t)), 1).numpy()[..., 0, 0]

    assert invariance_error(net, x, dy, dx) < 1e-12


def test_identical_results_give_exact_zero():
    x = np.arange(16.0).reshape(4, 4)
    assert equivariance_error(np.negative, x, 1, 2) == 0.0
    assert invariance_error(np.sum, x, 1, 2) == 0.0


def test_errors_name_the_argument():
    x = np.zeros((3, 3))
    with pytest.raises(TypeError, match="dy"):
        circular_shift(x, 1.0, 0)
    with pytest.raises(TypeError, match="dx"):
        circular_shift(x, 0, True)
    with pytest.raises(ValueError, match="x"):
        circular_shift(np.zeros(3), 1, 1)
    with pytest.raises(TypeError, match="x"):
        circular_shift([[1, 2], [3, 4]], 1, 1)
    with pytest.raises(TypeError, match="layer"):
        equivariance_error("conv", x, 1, 1)
    with pytest.raises(TypeError, match="layer"):
        invariance_error(lambda t: t.tolist(), x, 1, 1)
    with pytest.raises(ValueError, match="layer"):
        equivariance_error(lambda t: t.sum(axis=-1), x, 1, 1)
    with pytest.raises(ValueError, match="layer"):
        invariance_error(lambda t: t[: 1 + int(t[0, 0] > 0)], np.eye(3), 1, 0)


def test_shift_by_full_period_is_identity():
    x = np.random.default_rng(4).standard_normal((2, 5, 7))
    for a, b in itertools.product([0, 5, -5, 10], [0, 7, -14]):
        np.testing.assert_array_equal(circular_shift(x, a, b), x)
