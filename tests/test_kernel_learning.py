"""convkit.functional.kernel_learning: the kernel gradient against torch autograd over a grid,
and gradient descent recovering known kernels."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from convkit.functional.conv import corr2d
from convkit.functional.kernel_learning import fit_kernel, kernel_grad


def _autograd_grad(x, k, y):
    """d/dk of sum((conv2d(x, k) - y)^2) by torch autograd; x (N, H, W), y (N, oh, ow)."""
    kt = torch.tensor(k, requires_grad=True)
    out = F.conv2d(torch.from_numpy(x)[:, None], kt[None, None])[:, 0]
    ((out - torch.from_numpy(y)) ** 2).sum().backward()
    return kt.grad.numpy()


@pytest.mark.parametrize(
    "n, size, kshape",
    list(
        itertools.product(
            [1, 3], [(5, 7), (6, 6), (4, 9)], [(1, 1), (1, 2), (2, 2), (3, 3), (3, 2)]
        )
    ),
)
def test_kernel_grad_matches_autograd(n, size, kshape):
    rng = np.random.default_rng(n * 100 + size[0] * 10 + kshape[0] * 3 + kshape[1])
    x = rng.standard_normal((n,) + size)
    k = rng.standard_normal(kshape)
    y = rng.standard_normal((n, size[0] - kshape[0] + 1, size[1] - kshape[1] + 1))
    want = _autograd_grad(x, k, y)
    np.testing.assert_allclose(kernel_grad(x, k, y), want, rtol=1e-12, atol=1e-12)
    if n == 1:  # a single 2-D image gives the same
        np.testing.assert_allclose(kernel_grad(x[0], k, y[0]), want, rtol=1e-12, atol=1e-12)


def test_kernel_grad_is_a_correlation_of_input_and_residual():
    rng = np.random.default_rng(0)
    x, k = rng.standard_normal((7, 6)), rng.standard_normal((3, 2))
    y = rng.standard_normal((5, 5))
    np.testing.assert_allclose(kernel_grad(x, k, y), 2 * corr2d(x, corr2d(x, k) - y), rtol=1e-13)
    assert np.array_equal(kernel_grad(x, k, corr2d(x, k)), np.zeros((3, 2)))


@pytest.mark.parametrize(
    "true_kernel",
    [
        np.array([[1.0, -1.0]]),
        np.array([[1.0], [-1.0]]),
        np.array([[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]]),
    ],
)
def test_fit_kernel_recovers_edge_kernels(true_kernel):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((4, 10, 10))
    y = np.stack([corr2d(xi, true_kernel) for xi in x])
    k, losses = fit_kernel(x, y, true_kernel.shape, lr=0.2, steps=150, rng=2)
    np.testing.assert_allclose(k, true_kernel, atol=1e-6)
    assert losses.shape == (151,)
    assert losses[-1] < 1e-10 < losses[0]
    assert np.all(np.diff(losses) <= 1e-15)  # a small enough step never increases the loss


def test_fit_kernel_matches_torch_sgd():
    """The same steps as torch.optim.SGD on the mean squared error."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 6, 7))
    y = rng.standard_normal((2, 5, 5))
    k0 = rng.standard_normal((2, 3))
    k, losses = fit_kernel(x, y, (2, 3), lr=0.05, steps=20, kernel=k0)
    kt = torch.tensor(k0, requires_grad=True)
    opt = torch.optim.SGD([kt], lr=0.05)
    torch_losses = []
    for _ in range(20):
        opt.zero_grad()
        out = F.conv2d(torch.from_numpy(x)[:, None], kt[None, None])[:, 0]
        loss = ((out - torch.from_numpy(y)) ** 2).mean()
        torch_losses.append(loss.item())
        loss.backward()
        opt.step()
    np.testing.assert_allclose(k, kt.detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(losses[:20], torch_losses, rtol=1e-12)


def test_bad_arguments():
    x, y = np.zeros((5, 5)), np.zeros((4, 4))
    with pytest.raises(ValueError, match="target"):
        kernel_grad(x, np.zeros((2, 2)), np.zeros((3, 3)))
    with pytest.raises(ValueError, match="kernel"):
        kernel_grad(x, np.zeros(2), y)
    with pytest.raises(ValueError, match="input"):
        kernel_grad(np.zeros((1, 1, 5, 5)), np.zeros((2, 2)), y)
    with pytest.raises(ValueError, match="lr"):
        fit_kernel(x, y, 2, lr=0.0)
    with pytest.raises(ValueError, match="steps"):
        fit_kernel(x, y, 2, steps=-1)
    with pytest.raises(TypeError, match="kernel_size"):
        fit_kernel(x, y, 2.5)
    with pytest.raises(ValueError, match="kernel"):
        fit_kernel(x, y, 2, kernel=np.zeros((3, 3)))
