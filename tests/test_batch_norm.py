"""convkit.functional.batch_norm against torch.nn.functional.batch_norm, BatchNorm2d and autograd.

Forward: the output in training and evaluation mode and the running statistics (PyTorch's
momentum convention, unbiased variance for the running estimate), over a grid of shapes (1-D to
3-D feature maps), momenta, eps, with and without affine parameters and running statistics,
several steps in a row. Backward: the gradients of input, weight and bias against autograd, in
both modes. The known mistakes the chapter's exercise rejects would fail these tests.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from convkit.functional.batch_norm import batch_norm, batch_norm2d, batch_norm_backward

SHAPES = [(2, 3), (5, 1), (2, 3, 4), (1, 2, 2), (2, 3, 4, 5), (1, 4, 1, 2), (3, 2, 2, 3, 2)]
MOMENTA = [0.0, 0.1, 0.5, 1.0]
EPS = [1e-5, 1e-3, 0.5]


def _data(shape, seed):
    rng = np.random.default_rng(seed)
    c = shape[1]
    x = rng.normal(2.0, 3.0, size=shape)
    return (
        x,
        rng.normal(size=c),  # running mean
        rng.uniform(0.5, 2.0, size=c),  # running var
        rng.normal(size=c),  # weight
        rng.normal(size=c),  # bias
    )


def _t(a):
    return None if a is None else torch.from_numpy(np.array(a, dtype=np.float64))


@pytest.mark.parametrize(
    ("shape", "momentum", "eps", "affine"),
    list(itertools.product(SHAPES, MOMENTA, EPS, (True, False))),
)
def test_forward_train_then_eval_matches_torch(shape, momentum, eps, affine):
    x, rm, rv, w, b = _data(shape, len(shape) * 7 + shape[1])
    if not affine:
        w = b = None
    trm, trv = _t(rm), _t(rv)
    m, v = rm.copy(), rv.copy()
    for step in range(3):  # a few training steps: the running statistics accumulate
        xs = x * (step + 1) + step
        y, m, v = batch_norm(xs, m, v, w, b, training=True, momentum=momentum, eps=eps)
        ty = F.batch_norm(_t(xs), trm, trv, _t(w), _t(b), True, momentum, eps)
        np.testing.assert_allclose(y, ty.numpy(), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(m, trm.numpy(), rtol=1e-13, atol=1e-13)
        np.testing.assert_allclose(v, trv.numpy(), rtol=1e-13, atol=1e-13)
    ye, m2, v2 = batch_norm(x, m, v, w, b, training=False, momentum=momentum, eps=eps)
    tye = F.batch_norm(_t(x), trm, trv, _t(w), _t(b), False, momentum, eps)
    np.testing.assert_allclose(ye, tye.numpy(), rtol=1e-12, atol=1e-12)
    assert m2 is m and v2 is v  # evaluation leaves the running statistics alone


@pytest.mark.parametrize("shape", SHAPES)
def test_arguments_are_not_modified_and_none_stays_none(shape):
    x, rm, rv, w, b = _data(shape, 1)
    copies = [a.copy() for a in (x, rm, rv, w, b)]
    y, m, v = batch_norm(x, rm, rv, w, b, training=True)
    for a, c in zip((x, rm, rv, w, b), copies, strict=True):
        np.testing.assert_array_equal(a, c)
    assert m is not rm and v is not rv
    y2, m2, v2 = batch_norm(x, None, None, w, b, training=True)
    assert m2 is None and v2 is None
    np.testing.assert_array_equal(y, y2)


@pytest.mark.parametrize(("n", "h", "w"), [(2, 3, 3), (8, 5, 4), (1, 2, 1)])
@pytest.mark.parametrize("momentum", [0.1, 0.3])
def test_batch_norm2d_is_nn_batchnorm2d_over_steps(n, h, w, momentum):
    c = 3
    layer = nn.BatchNorm2d(c, momentum=momentum).double()
    with torch.no_grad():
        layer.weight.copy_(torch.linspace(0.5, 1.5, c, dtype=torch.float64))
        layer.bias.copy_(torch.linspace(-1, 1, c, dtype=torch.float64))
    gamma, beta = layer.weight.detach().numpy().copy(), layer.bias.detach().numpy().copy()
    m, v = np.zeros(c), np.ones(c)
    rng = np.random.default_rng(n * h * w)
    for _ in range(4):
        x = rng.normal(1.0, 2.0, size=(n, c, h, w))
        y, m, v = batch_norm2d(x, m, v, gamma, beta, training=True, momentum=momentum)
        np.testing.assert_allclose(y, layer.train()(_t(x)).detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(m, layer.running_mean.numpy(), rtol=1e-13)
    np.testing.assert_allclose(v, layer.running_var.numpy(), rtol=1e-13)
    x = rng.normal(size=(n, c, h, w))
    ye, _, _ = batch_norm2d(x, m, v, gamma, beta, training=False)
    np.testing.assert_allclose(ye, layer.eval()(_t(x)).detach().numpy(), rtol=1e-12, atol=1e-12)


def test_the_running_variance_is_unbiased_and_the_momentum_is_torchs():
    # M = 4 values 1, 3, 5, 7: batch variance 5 (biased), 20/3 (unbiased)
    x = np.array([1.0, 3.0, 5.0, 7.0]).reshape(2, 1, 2)
    _, m, v = batch_norm(x, np.zeros(1), np.ones(1), training=True, momentum=0.25)
    np.testing.assert_allclose(m, [0.75 * 0 + 0.25 * 4.0])
    np.testing.assert_allclose(v, [0.75 * 1 + 0.25 * 20 / 3])
    y, _, _ = batch_norm(x, np.zeros(1), np.ones(1), training=True, eps=1e-12)
    np.testing.assert_allclose(y.ravel(), (x.ravel() - 4) / np.sqrt(5.0), rtol=1e-9)


def test_float32_input_stays_float32():
    x = np.random.default_rng(0).normal(size=(4, 3, 2, 2)).astype(np.float32)
    y, m, v = batch_norm(x, np.zeros(3), np.ones(3), training=True)
    assert y.dtype == m.dtype == v.dtype == np.float32
    ty = F.batch_norm(torch.from_numpy(x), torch.zeros(3), torch.ones(3), training=True)
    np.testing.assert_allclose(y, ty.numpy(), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(
    ("shape", "eps", "affine", "training"),
    list(itertools.product(SHAPES, [1e-5, 0.5], (True, False), (True, False))),
)
def test_backward_matches_autograd(shape, eps, affine, training):
    x, rm, rv, w, b = _data(shape, shape[0] + 10 * shape[1])
    if not affine:
        w = b = None
    g = np.random.default_rng(3).normal(size=shape)
    tx = _t(x).requires_grad_(True)
    tw = None if w is None else _t(w).requires_grad_(True)
    tb = None if b is None else _t(b).requires_grad_(True)
    y = F.batch_norm(tx, _t(rm), _t(rv), tw, tb, training, 0.1, eps)
    y.backward(_t(g))
    dx, dw, db = batch_norm_backward(g, x, rm, rv, w, training=training, eps=eps)
    np.testing.assert_allclose(dx, tx.grad.numpy(), rtol=1e-10, atol=1e-12)
    if affine:
        np.testing.assert_allclose(dw, tw.grad.numpy(), rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(db, tb.grad.numpy(), rtol=1e-10, atol=1e-12)
    else:  # the gradients a weight of ones and a bias of zeros would get
        tw1 = torch.ones(shape[1], dtype=torch.float64, requires_grad=True)
        tb0 = torch.zeros(shape[1], dtype=torch.float64, requires_grad=True)
        F.batch_norm(_t(x), _t(rm), _t(rv), tw1, tb0, training, 0.1, eps).backward(_t(g))
        np.testing.assert_allclose(dw, tw1.grad.numpy(), rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(db, tb0.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("eps", [1e-5, 0.5])
def test_training_gradient_of_the_input_sums_to_zero_per_channel(eps):
    # y does not change when a constant is added to a channel, so neither does the loss
    x, _, _, w, _ = _data((4, 3, 3, 3), 5)
    g = np.random.default_rng(6).normal(size=x.shape)
    dx, _, _ = batch_norm_backward(g, x, weight=w, eps=eps)
    np.testing.assert_allclose(dx.sum(axis=(0, 2, 3)), 0.0, atol=1e-12)


def test_training_gradient_has_no_component_along_x_hat_as_eps_goes_to_zero():
    # with eps -> 0, y does not change when a channel is scaled about its mean (chapter 09)
    x, _, _, w, _ = _data((4, 3, 3, 3), 7)
    g = np.random.default_rng(8).normal(size=x.shape)
    centred = x - x.mean(axis=(0, 2, 3), keepdims=True)
    along = {}
    for eps in (1e-12, 0.5):
        dx, _, _ = batch_norm_backward(g, x, weight=w, eps=eps)
        along[eps] = np.abs((dx * centred).sum(axis=(0, 2, 3))) / np.abs(dx * centred).sum(
            axis=(0, 2, 3)
        )
    assert along[1e-12].max() < 1e-10
    assert along[0.5].min() > 1e-4  # a larger eps leaves a component: the test can fail


@pytest.mark.parametrize(
    ("call", "error", "name"),
    [
        (lambda: batch_norm(np.zeros(3), None, None, training=True), ValueError, "input"),
        (lambda: batch_norm(np.zeros((2, 3)), None, None), ValueError, "running_mean"),
        (lambda: batch_norm(np.zeros((1, 3)), None, None, training=True), ValueError, "training"),
        (
            lambda: batch_norm(np.ones((2, 3)), None, None, np.ones(2), training=True),
            ValueError,
            "weight",
        ),
        (
            lambda: batch_norm(np.ones((2, 3)), None, None, training=True, momentum=2),
            ValueError,
            "momentum",
        ),
        (lambda: batch_norm(np.ones((2, 3)), None, None, training="yes"), TypeError, "training"),
        (
            lambda: batch_norm(np.ones((2, 3)), None, None, training=True, eps=0.0),
            ValueError,
            "eps",
        ),
        (lambda: batch_norm2d(np.ones((2, 3, 4)), None, None, training=True), ValueError, "input"),
        (lambda: batch_norm_backward(np.ones((2, 3)), np.ones((2, 4))), ValueError, "grad_output"),
        (
            lambda: batch_norm_backward(np.ones((2, 3)), np.ones((2, 3)), training=False),
            ValueError,
            "running_mean",
        ),
        (
            lambda: batch_norm_backward(np.ones((2, 3)), np.ones((2, 3)), weight=np.ones(4)),
            ValueError,
            "weight",
        ),
    ],
)
def test_bad_arguments_name_the_argument(call, error, name):
    with pytest.raises(error, match=name):
        call()
