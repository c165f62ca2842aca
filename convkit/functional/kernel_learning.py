r"""Learning a convolution kernel by gradient descent, in numpy: ``kernel_grad`` and ``fit_kernel``.

Given an input :math:`x` and a target :math:`y` made by an unknown kernel, the squared error of a
guess :math:`k` is

.. math::
    L(k) = \sum_{i, j} r(i, j)^2, \qquad r = \text{corr2d}(x, k) - y,

and since :math:`\partial\, \text{corr2d}(x, k)(i, j) / \partial k(a, b) = x(i + a, j + b)`,

.. math::
    \frac{\partial L}{\partial k(a, b)} = 2 \sum_{i, j} r(i, j)\, x(i + a, j + b)
    = 2\, \text{corr2d}(x, r)(a, b):

the gradient with respect to the kernel is itself a cross-correlation, of the input with the
residual. :func:`fit_kernel` takes plain gradient steps with it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from convkit._validation import as_float_array, as_generator, check_int, positive_real
from convkit.functional.conv import corr2d

__all__ = ["kernel_grad", "fit_kernel"]


def _pairs(input: Any, target: Any, kernel_shape: tuple[int, int]):
    x = as_float_array(input, "input")
    y = as_float_array(target, "target")
    if x.ndim not in (2, 3):
        raise ValueError(f"input must be 2-D (H, W) or 3-D (N, H, W), got shape {x.shape}")
    if y.ndim != x.ndim:
        raise ValueError(f"target must have {x.ndim} dimensions like input, got shape {y.shape}")
    x3, y3 = (x[None], y[None]) if x.ndim == 2 else (x, y)
    kh, kw = kernel_shape
    want = (x3.shape[0], x3.shape[1] - kh + 1, x3.shape[2] - kw + 1)
    if min(want[1:]) < 1:
        raise ValueError(f"kernel of shape {kernel_shape} is larger than the input {x.shape}")
    if y3.shape != want:
        shape = want if x.ndim == 3 else want[1:]
        raise ValueError(f"target must have shape {shape} (the valid output), got {y.shape}")
    return x3, y3


def kernel_grad(input: Any, kernel: Any, target: Any) -> np.ndarray:
    r"""Gradient, with respect to the kernel, of the squared error of a valid cross-correlation.

    .. math::
        \frac{\partial}{\partial k} \sum_{n, i, j}
        \bigl(\text{corr2d}(x_n, k)(i, j) - y_n(i, j)\bigr)^2
        = 2 \sum_n \text{corr2d}\bigl(x_n,\ \text{corr2d}(x_n, k) - y_n\bigr)

    Args:
        input: one image of shape :math:`(H, W)` or a stack of :math:`N` images
            :math:`(N, H, W)`.
        kernel: the current kernel, shape :math:`(k_h, k_w)`.
        target: the wanted outputs, :math:`(H - k_h + 1, W - k_w + 1)` or
            :math:`(N, H - k_h + 1, W - k_w + 1)`.

    Shape:
        - Output: :math:`(k_h, k_w)`, the kernel's shape.

    Examples::

        >>> x = np.array([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]])
        >>> kernel_grad(x, np.array([[1.0, -1.0]]), np.zeros((2, 2)))
        array([[-16., -24.]])
        >>> kernel_grad(x, np.array([[1.0, -1.0]]), corr2d(x, np.array([[1.0, -1.0]])))
        array([[0., 0.]])
    """
    k = as_float_array(kernel, "kernel")
    if k.ndim != 2:
        raise ValueError(f"kernel must be 2-D (kh, kw), got shape {k.shape}")
    x3, y3 = _pairs(input, target, k.shape)
    grad = np.zeros(k.shape, dtype=np.result_type(x3, k, y3))
    for x, y in zip(x3, y3, strict=True):
        grad += 2.0 * corr2d(x, corr2d(x, k) - y)
    return grad


def fit_kernel(
    input: Any,
    target: Any,
    kernel_size: Any,
    lr: float = 0.1,
    steps: int = 100,
    kernel: Any = None,
    rng: Any = None,
) -> tuple[np.ndarray, np.ndarray]:
    r"""Recover a kernel from input/target pairs by gradient descent on the mean squared error.

    Each step is :math:`k \leftarrow k - \text{lr} \cdot \nabla_k L / M` with :math:`\nabla_k L`
    from :func:`kernel_grad` and :math:`M` the number of target values, so ``lr`` does not depend
    on the image size. The loss recorded before each step is the mean squared error
    :math:`L / M`.

    Args:
        input: :math:`(H, W)` or :math:`(N, H, W)`.
        target: the valid outputs, as in :func:`kernel_grad`.
        kernel_size: an int or a tuple ``(kh, kw)``.
        lr: the learning rate, positive. Default: 0.1
        steps: the number of gradient steps, an int >= 0. Default: 100
        kernel: the starting kernel; ``None`` draws it from a standard normal with ``rng``.
        rng: a ``numpy.random.Generator``, an int seed or ``None``.

    Shape:
        - Output: the kernel :math:`(k_h, k_w)` and the losses :math:`(\text{steps} + 1,)`
          (the last one after the final step).

    Examples::

        >>> rng = np.random.default_rng(0)
        >>> x = rng.standard_normal((3, 8, 8))
        >>> y = np.stack([corr2d(xi, np.array([[1.0, -1.0]])) for xi in x])
        >>> k, losses = fit_kernel(x, y, (1, 2), lr=0.2, steps=60, rng=0)
        >>> np.round(k, 4)
        array([[ 1., -1.]])
        >>> bool(losses[-1] < 1e-8 < losses[0])
        True
    """
    if isinstance(kernel_size, (tuple, list)):
        if len(kernel_size) != 2:
            raise ValueError(f"kernel_size must be an int or a pair, got {kernel_size!r}")
        shape = (check_int(kernel_size[0], "kernel_size"), check_int(kernel_size[1], "kernel_size"))
    else:
        shape = (check_int(kernel_size, "kernel_size"),) * 2
    if min(shape) < 1:
        raise ValueError(f"kernel_size must be positive, got {kernel_size!r}")
    lr = positive_real(lr, "lr")
    steps = check_int(steps, "steps")
    if steps < 0:
        raise ValueError(f"steps must be >= 0, got {steps}")
    x3, y3 = _pairs(input, target, shape)
    if kernel is None:
        k = as_generator(rng).standard_normal(shape)
    else:
        k = np.array(as_float_array(kernel, "kernel"), dtype=np.float64)
        if k.shape != shape:
            raise ValueError(f"kernel must have shape {shape}, got {k.shape}")
    m = y3.size
    losses = np.empty(steps + 1)
    for t in range(steps + 1):
        residual = np.stack([corr2d(x, k) for x in x3]) - y3
        losses[t] = float(np.mean(residual**2))
        if t == steps:
            break
        k = k - lr * kernel_grad(x3, k, y3) / m
    return k, losses
