"""convkit.functional.dropout.dropout2d against torch.nn.functional.dropout2d (chapter 11).

PyTorch draws its masks from its own generator, so masks are compared in what must agree exactly
(identity in evaluation mode, p = 0 and p = 1, every channel zeroed or kept whole and scaled by
exactly 1 / (1 - p), the output as x times a per-channel factor, the gradient as autograd's) and
in what must agree statistically (the share of dropped channels, independence across examples
and channels, the expectation). The last tests check the chapter's claim that classic dropout
(no scaling in training, weights times 1 - p at test time) and inverted dropout give the same
expectation, exactly, by enumerating every channel mask of a small convolution.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from convkit.functional.conv import conv2d
from convkit.functional.dropout import dropout2d, dropout_mask

PS = [0.0, 0.1, 0.3, 0.5, 0.8, 0.95, 1.0]
SHAPES = [(1, 1, 1, 1), (2, 3, 4, 5), (8, 16, 3, 3), (4, 2, 1, 7)]


def rate_ok(zeros: int, n: int, p: float, sigmas: float = 5.0) -> bool:
    return abs(zeros - n * p) <= sigmas * math.sqrt(n * p * (1 - p)) + 1


def channel_factor(x: np.ndarray, out: np.ndarray, p: float) -> np.ndarray:
    """The (N, C) factor of each channel, 0 or 1 / (1 - p), asserting that every channel of
    ``out`` is zero as a whole or nonzero as a whole (``x`` has no zeros)."""
    kept = out != 0
    whole = kept.all(axis=(2, 3)) | ~kept.any(axis=(2, 3))
    assert whole.all(), f"{int((~whole).sum())} channels are only partly zeroed"
    scale = 0.0 if p == 1 else 1 / (1 - p)
    return kept[:, :, 0, 0] * scale


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("p", PS)
def test_eval_mode_is_the_identity_as_in_torch(p, shape):
    x = np.random.default_rng(0).normal(size=shape)
    assert dropout2d(x, p, training=False) is x
    t = torch.from_numpy(x)
    assert F.dropout2d(t, p, training=False) is t


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("p", PS)
def test_whole_channels_kept_or_zeroed_and_scaled_like_torch(p, shape):
    x = np.random.default_rng(1).uniform(0.5, 2.0, size=shape)  # no zeros in the input
    ours = dropout2d(x, p, rng=2)
    torch.manual_seed(2)
    theirs = F.dropout2d(torch.from_numpy(x), p, training=True).numpy()
    for out in (ours, theirs):
        assert out.shape == x.shape and out.dtype == x.dtype
        factor = channel_factor(x, out, p)
        # out is x times the factor 1 / (1 - p) of its channel, or 0, bit for bit (PyTorch
        # multiplies by 1 / (1 - p), so does convkit)
        np.testing.assert_array_equal(out, x * factor[:, :, None, None])
    if p in (0.0, 1.0):
        np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("p", PS)
def test_same_draws_as_dropout_mask_of_shape_n_c_1_1(p):
    x = np.random.default_rng(3).normal(size=(5, 6, 3, 4))
    np.testing.assert_array_equal(dropout2d(x, p, rng=4), x * dropout_mask((5, 6, 1, 1), p, rng=4))
    gen_a, gen_b = np.random.default_rng(5), np.random.default_rng(5)
    np.testing.assert_array_equal(dropout2d(x, p, rng=gen_a), dropout2d(x, p, rng=gen_b))


@pytest.mark.parametrize("p", [0.1, 0.3, 0.5, 0.8, 0.95])
def test_share_of_dropped_channels_is_p_for_both(p):
    x = np.ones((200, 100, 2, 2))
    ours = dropout2d(x, p, rng=6)
    torch.manual_seed(6)
    theirs = F.dropout2d(torch.from_numpy(x), p, training=True).numpy()
    n = 200 * 100
    for out in (ours, theirs):
        dropped = int((out[:, :, 0, 0] == 0).sum())
        assert rate_ok(dropped, n, p), (p, dropped / n)
        # element-wise dropout would give a share p of zeros *within* channels; here none
        zeros_per_channel = (out == 0).sum(axis=(2, 3))
        assert set(np.unique(zeros_per_channel).tolist()) <= {0, 4}


@pytest.mark.parametrize("p", [0.2, 0.5])
def test_masks_independent_across_examples_and_channels(p):
    x = np.ones((300, 200, 1, 1))
    for out in (dropout2d(x, p, rng=7), _torch(x, p, 7)):
        keep = (out[:, :, 0, 0] != 0).astype(float)
        assert not np.array_equal(keep[0], keep[1])  # not one mask shared by the batch
        assert abs(np.corrcoef(keep[:-1].ravel(), keep[1:].ravel())[0, 1]) < 0.03
        assert abs(np.corrcoef(keep[:, :-1].ravel(), keep[:, 1:].ravel())[0, 1]) < 0.03


def _torch(x: np.ndarray, p: float, seed: int) -> np.ndarray:
    torch.manual_seed(seed)
    return F.dropout2d(torch.from_numpy(x), p, training=True).numpy()


@pytest.mark.parametrize("p", [0.2, 0.5, 0.9])
def test_expectation_is_the_input(p):
    x = np.linspace(-2.0, 2.0, 2 * 3 * 2 * 2).reshape(2, 3, 2, 2)
    n = 20000
    stacked = np.tile(x, (n, 1, 1, 1))  # n copies of the batch: n independent draws of each
    se = np.abs(x) * math.sqrt(p / (1 - p) / n)
    for out in (dropout2d(stacked, p, rng=8), _torch(stacked, p, 8)):
        mean = out.reshape(n, *x.shape).mean(axis=0)
        assert np.all(np.abs(mean - x) <= 5 * se + 1e-12), (p, np.abs(mean - x).max())


@pytest.mark.parametrize("p", [0.0, 0.3, 0.7, 1.0])
def test_gradient_is_the_channel_factor_as_autograd(p):
    x = np.random.default_rng(9).uniform(0.5, 2.0, size=(3, 4, 2, 3))
    g = np.random.default_rng(10).normal(size=x.shape)
    torch.manual_seed(11)
    t = torch.from_numpy(x).requires_grad_(True)
    out = F.dropout2d(t, p, training=True)
    out.backward(torch.from_numpy(g))
    factor = channel_factor(x, out.detach().numpy(), p)[:, :, None, None]
    # d out / d x is the same per-channel factor: g * factor, the rule convkit's dropout_backward
    # applies to the mask of dropout_mask((N, C, 1, 1))
    np.testing.assert_allclose(t.grad.numpy(), g * factor, rtol=1e-15, atol=0)


def test_float32_stays_float32():
    x = np.ones((2, 3, 4, 4), np.float32)
    assert dropout2d(x, 0.5, rng=0).dtype == np.float32
    assert dropout2d(x, 0.0, rng=0).dtype == np.float32


@pytest.mark.parametrize(
    ("kwargs", "error", "name"),
    [
        (dict(input=np.ones((2, 3, 4))), ValueError, "input"),
        (dict(input=np.ones(5)), ValueError, "input"),
        (dict(input=np.ones((1, 1, 2, 2)), p=1.5), ValueError, "p"),
        (dict(input=np.ones((1, 1, 2, 2)), p=-0.1), ValueError, "p"),
        (dict(input=np.ones((1, 1, 2, 2)), training="yes"), TypeError, "training"),
        (dict(input=np.array([["a"]])), TypeError, "input"),
    ],
)
def test_bad_arguments_name_the_argument(kwargs, error, name):
    with pytest.raises(error, match=name):
        dropout2d(**kwargs)


@pytest.mark.parametrize("p", [0.25, 0.5, 0.75])
@pytest.mark.parametrize("channels", [1, 3, 6])
def test_classic_and_inverted_dropout_have_the_same_expectation(p, channels):
    """Exact expectation over all 2**C channel masks of conv2d after channel dropout.

    Classic: train with the unscaled mask, test with weights times (1 - p). Inverted: train with
    mask / (1 - p), test with the weights as they are. Both test-time outputs equal the
    expectation of their training outputs; the classic test net with weights W equals the
    inverted one with weights (1 - p) W.
    """
    rng = np.random.default_rng(channels)
    x = rng.normal(size=(1, channels, 6, 6))
    w = rng.normal(size=(4, channels, 3, 3))
    b = rng.normal(size=4)
    classic = np.zeros((1, 4, 4, 4))
    inverted = np.zeros((1, 4, 4, 4))
    for bits in itertools.product((0.0, 1.0), repeat=channels):
        m = np.array(bits).reshape(1, channels, 1, 1)
        prob = np.prod([1 - p if k else p for k in bits])
        classic += prob * conv2d(x * m, w, b)
        inverted += prob * conv2d(x * m / (1 - p), w, b)
    classic_test = conv2d(x, (1 - p) * w, b)
    inverted_test = conv2d(x, w, b)
    np.testing.assert_allclose(classic, classic_test, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(inverted, inverted_test, rtol=1e-10, atol=1e-12)
    # and PyTorch's conv2d gives the same test-time outputs
    tx, tw, tb = (torch.from_numpy(a) for a in (x, w, b))
    np.testing.assert_allclose(F.conv2d(tx, tw * (1 - p), tb).numpy(), classic_test, rtol=1e-10)
    np.testing.assert_allclose(F.conv2d(tx, tw, tb).numpy(), inverted_test, rtol=1e-10)
