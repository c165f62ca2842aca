"""convkit.functional.dropout against torch.nn.functional.dropout, and the dropout parts of convkit.models.small.

PyTorch draws its masks from its own generator, so the masks cannot be compared entry by entry;
what must agree is everything else: identity in evaluation mode, the drop rate p, the scale
1 / (1 - p) of the kept entries, the expectation, and the gradient.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from convkit.functional.dropout import dropout, dropout_backward, dropout_mask
from convkit.models.small import SmallCNN, mc_dropout_predict

PS = [0.0, 0.1, 0.3, 0.5, 0.8, 0.95]


def rate_ok(zeros: int, n: int, p: float, sigmas: float = 5.0) -> bool:
    return abs(zeros - n * p) <= sigmas * math.sqrt(n * p * (1 - p)) + 1


@pytest.mark.parametrize("p", PS)
def test_eval_mode_is_the_identity_as_in_torch(p):
    x = np.random.default_rng(0).normal(size=(4, 5, 6))
    out = dropout(x, p, training=False)
    assert out is x  # the same array, as torch returns the same tensor
    t = torch.from_numpy(x)
    assert F.dropout(t, p, training=False) is t


@pytest.mark.parametrize("p", PS)
def test_kept_entries_are_scaled_like_torchs_and_the_drop_rate_is_p(p):
    x = np.random.default_rng(1).uniform(0.5, 2.0, size=(400, 500))  # no zeros in the input
    ours = dropout(x, p, rng=2)
    torch.manual_seed(2)
    theirs = F.dropout(torch.from_numpy(x), p, training=True).numpy()
    for out in (ours, theirs):
        kept = out != 0
        np.testing.assert_allclose(out[kept], x[kept] / (1 - p), rtol=1e-15)
        assert rate_ok(int((~kept).sum()), x.size, p), (p, (~kept).mean())
    # the known mistakes would fail these checks: scaling by 1/p, or dropping with probability 1 - p
    if 0 < p < 1 and p != 0.5:
        assert not np.allclose(ours[ours != 0], x[ours != 0] / p)
        assert not rate_ok(int((ours == 0).sum()), x.size, 1 - p)


@pytest.mark.parametrize("p", [0.2, 0.5, 0.9])
def test_expectation_is_preserved(p):
    x = np.linspace(-3, 3, 12)
    rng = np.random.default_rng(3)
    n = 20000
    mean = np.mean([dropout(x, p, rng=rng) for _ in range(n)], axis=0)
    # standard error of the mean of x * B / (1 - p) with B ~ Bernoulli(1 - p)
    se = np.abs(x) * math.sqrt(p / (1 - p) / n)
    assert np.all(np.abs(mean - x) <= 5 * se + 1e-12)
    torch.manual_seed(3)
    t = torch.from_numpy(x).expand(n, -1)
    torch_mean = F.dropout(t, p, training=True).mean(0).numpy()
    assert np.all(np.abs(torch_mean - x) <= 5 * se + 1e-12)


def test_p_zero_and_p_one_as_in_torch():
    x = np.random.default_rng(4).normal(size=(3, 7))
    np.testing.assert_array_equal(dropout(x, 0.0, rng=0), x)
    assert dropout(x, 0.0, rng=0) is not x
    np.testing.assert_array_equal(dropout(x, 1.0, rng=0), np.zeros_like(x))
    np.testing.assert_array_equal(F.dropout(torch.from_numpy(x), 1.0).numpy(), np.zeros_like(x))
    assert not np.isnan(dropout(x, 1.0)).any()


def test_masks_are_seeded_independent_and_keep_the_dtype():
    x = np.ones((200, 300), dtype=np.float32)
    a, b, c = dropout(x, 0.5, rng=7), dropout(x, 0.5, rng=7), dropout(x, 0.5, rng=8)
    assert a.dtype == np.float32 and np.array_equal(a, b) and not np.array_equal(a, c)
    kept = (a != 0).astype(float)
    assert not np.array_equal(kept[0], kept[1])  # not one mask repeated along an axis
    assert abs(np.corrcoef(kept[:, :-1].ravel(), kept[:, 1:].ravel())[0, 1]) < 0.02
    assert abs(np.corrcoef(kept[:-1].ravel(), kept[1:].ravel())[0, 1]) < 0.02
    np.testing.assert_array_equal(dropout_mask(x.shape, 0.5, rng=7), a)


def test_backward_equals_torch_autograd_with_the_same_mask():
    rng = np.random.default_rng(5)
    for p in (0.1, 0.5, 0.75):
        x = torch.from_numpy(rng.uniform(0.5, 2.0, size=(6, 9))).requires_grad_()
        out = F.dropout(x, p, training=True)
        g = torch.from_numpy(rng.normal(size=(6, 9)))
        out.backward(g)
        mask = (out / x).detach().numpy()  # torch's own mask, 0 or 1 / (1 - p)
        assert set(np.round(np.unique(mask), 12)) <= {0.0, round(1 / (1 - p), 12)}
        np.testing.assert_allclose(dropout_backward(g.numpy(), mask), x.grad.numpy(), rtol=1e-12)


def test_bad_arguments_name_themselves():
    x = np.ones(3)
    for p in (-0.1, 1.5, float("nan")):
        with pytest.raises(ValueError, match="p="):
            dropout(x, p)
    with pytest.raises(TypeError, match="p"):
        dropout(x, "0.5")
    with pytest.raises(TypeError, match="training"):
        dropout(x, 0.5, training="yes")
    with pytest.raises(TypeError, match="rng"):
        dropout(x, 0.5, rng="seed")
    with pytest.raises(TypeError, match="input"):
        dropout(np.array(["a"]), 0.5)
    with pytest.raises(ValueError, match="shape"):
        dropout_backward(np.ones(3), np.ones(4))


# ---------------------------------------------------------------------------------------------
# the course's small network and Monte-Carlo dropout


@pytest.mark.parametrize("widths, hidden, c_in, k", list(itertools.product([(8, 16, 32), (32, 64, 128), (5, 7, 11)],
                                                                            [16, 128], [1, 3], [10, 7])))  # fmt: skip
def test_small_cnn_parameter_formula(widths, hidden, c_in, k):
    w1, w2, w3 = widths
    formula = (9 * (c_in * w1 + w1 * w1 + w1 * w2 + w2 * w2 + w2 * w3) + 2 * (2 * w1 + 2 * w2 + w3)
               + (w3 + 1) * hidden + (hidden + 1) * k)  # fmt: skip
    with torch.device("meta"):
        net = SmallCNN(widths, hidden, in_channels=c_in, num_classes=k)
    assert sum(p.numel() for p in net.parameters()) == formula


def test_small_cnn_modes_and_errors():
    torch.manual_seed(0)
    net = SmallCNN((8, 8, 8), 16, p=0.5)
    x = torch.randn(4, 1, 28, 28)
    net.eval()
    torch.testing.assert_close(net(x), net(x))  # evaluation: deterministic
    net.train()
    assert not torch.equal(net(x), net(x))  # training: a new dropout mask (and batch statistics) each pass
    assert net(torch.randn(2, 1, 12, 12)).shape == (2, 10)
    with pytest.raises(ValueError, match="p"):
        SmallCNN(p=1.0)
    with pytest.raises(TypeError, match="widths"):
        SmallCNN(widths=(8, 8))


def test_mc_dropout_averages_stochastic_passes_and_restores_modes():
    torch.manual_seed(0)
    net = SmallCNN((8, 8, 8), 16, p=0.5)
    x = torch.randn(5, 1, 28, 28)
    net.eval()
    mean, passes = mc_dropout_predict(net, x, samples=30, generator_seed=1)
    assert not net.training and all(not m.training for m in net.modules())
    assert passes.shape == (30, 5, 10) and not torch.allclose(passes[0], passes[1])
    torch.testing.assert_close(mean, passes.mean(0))
    again, _ = mc_dropout_predict(net, x, samples=30, generator_seed=1)
    torch.testing.assert_close(mean, again)
    # with p = 0 every pass is the deterministic evaluation pass
    net0 = SmallCNN((8, 8, 8), 16, p=0.0).eval()
    m0, p0 = mc_dropout_predict(net0, x, samples=3)
    torch.testing.assert_close(m0, torch.softmax(net0(x), 1))
    net.train()
    mc_dropout_predict(net, x, samples=2)
    assert net.training and all(m.training for m in net.modules())
    with pytest.raises(ValueError, match="dropout"):
        mc_dropout_predict(torch.nn.Linear(3, 2), torch.zeros(1, 3))
