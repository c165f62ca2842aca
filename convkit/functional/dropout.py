r"""Inverted dropout in numpy, with the semantics of :func:`torch.nn.functional.dropout` (chapter
11).

During training every entry is kept with probability :math:`1 - p` and zeroed with
probability :math:`p` (``p`` is the *drop* probability, as in PyTorch), and the kept
entries are divided by :math:`1 - p`. The expected output then equals the input,

.. math::
    \mathbb{E}[\text{out}] = (1 - p)\cdot\frac{x}{1 - p} + p \cdot 0 = x,

so at test time the layer does nothing at all. (The original paper scaled the weights by
:math:`1 - p` at test time instead; the result is the same in expectation, but inverted
dropout leaves the test-time network untouched.)

:func:`dropout2d` is the channel (*spatial*) version for NCHW feature maps, as
:func:`torch.nn.functional.dropout2d`: one draw per example and channel, so a whole feature map is
kept or zeroed at once.
"""

from __future__ import annotations

import numpy as np

from convkit._validation import (
    as_float_array,
    as_generator,
    check_bool,
    check_ndim,
    check_probability,
)

__all__ = ["dropout", "dropout2d", "dropout_mask", "dropout_backward"]


def dropout_mask(shape, p: float = 0.5, rng=None) -> np.ndarray:
    r"""The random factor that inverted dropout multiplies by: ``0`` or ``1 / (1 - p)``.

    Each entry is :math:`1/(1-p)` with probability :math:`1 - p` and 0 with probability
    :math:`p`, independently (one uniform draw per entry; an entry is kept when its draw is
    at least ``p``). With ``p = 1`` every entry is 0.

    Args:
        shape (tuple of int): shape of the mask.
        p (float): probability of dropping an entry, in [0, 1]. Default: 0.5
        rng: a :class:`numpy.random.Generator`, an int seed, or ``None`` (fresh entropy).

    Examples::

        >>> dropout_mask((2, 4), p=0.5, rng=0)
        array([[2., 0., 0., 0.],
               [2., 2., 2., 2.]])
    """
    p = check_probability(p, "p")
    rng = as_generator(rng)
    if p == 1.0:
        return np.zeros(shape)
    return (rng.random(shape) >= p) / (1.0 - p)


def dropout(input, p: float = 0.5, training: bool = True, rng=None):
    r"""Inverted dropout, as :func:`torch.nn.functional.dropout`.

    .. math::
        \text{out} = \begin{cases}
            x \odot m / (1 - p), \quad m_i \sim \text{Bernoulli}(1 - p) & \text{training} \\
            x & \text{evaluation}
        \end{cases}

    Args:
        input (ndarray): any shape.
        p (float): probability of zeroing an entry (the *drop* probability), in [0, 1].
            ``p = 0`` keeps everything, ``p = 1`` zeroes everything. Default: 0.5
        training (bool): apply dropout when ``True``; return the input unchanged when
            ``False``. Default: ``True``
        rng: a :class:`numpy.random.Generator`, an int seed, or ``None`` (fresh entropy).

    Shape:
        - Input: :math:`(*)`. Output: :math:`(*)`, the same shape.

    Returns:
        In training, a new float array; in evaluation mode, ``input`` itself (as a float
        array), as PyTorch returns the very same tensor.

    Examples::

        >>> x = np.ones((2, 4))
        >>> dropout(x, p=0.5, rng=0)            # kept entries are doubled: 1 / (1 - 0.5)
        array([[2., 0., 0., 0.],
               [2., 2., 2., 2.]])
        >>> dropout(x, p=0.5, training=False)   # evaluation: identity
        array([[1., 1., 1., 1.],
               [1., 1., 1., 1.]])
        >>> dropout(x, p=1.0).sum(), dropout(x, p=0.0, rng=0).sum()
        (np.float64(0.0), np.float64(8.0))
    """
    x = as_float_array(input, "input")
    return _inverted_dropout(x, p, training, rng, x.shape)


def _inverted_dropout(x: np.ndarray, p, training, rng, mask_shape: tuple) -> np.ndarray:
    """``x`` times a :func:`dropout_mask` of ``mask_shape`` (broadcast over ``x``) in training;
    ``x`` itself in evaluation, a copy at ``p = 0``."""
    p = check_probability(p, "p")
    training = check_bool(training, "training")
    if not training:
        return x
    if p == 0.0:
        return x.copy()
    return (x * dropout_mask(mask_shape, p, rng)).astype(x.dtype, copy=False)


def dropout2d(input, p: float = 0.5, training: bool = True, rng=None):
    r"""Channel (spatial) inverted dropout of NCHW maps, as :func:`torch.nn.functional.dropout2d`.

    Each channel of each example is kept with probability :math:`1 - p` and zeroed with
    probability :math:`p`, as a whole; the kept channels are divided by :math:`1 - p`:

    .. math::
        \text{out}_{n,c,h,w} = \begin{cases}
            x_{n,c,h,w}\, m_{n,c} / (1 - p), \quad m_{n,c} \sim \text{Bernoulli}(1 - p)
                & \text{training} \\
            x_{n,c,h,w} & \text{evaluation}
        \end{cases}

    The draws are independent across examples and channels and shared by the :math:`H W`
    positions of a channel. The random factor is :func:`dropout_mask` of shape
    ``(N, C, 1, 1)`` drawn from ``rng`` (so ``dropout2d(x, p, rng=s)`` equals
    ``x * dropout_mask((N, C, 1, 1), p, rng=s)``), the same generator convention as
    :func:`dropout`.

    Args:
        input (ndarray): feature maps of shape ``(N, C, H, W)``. (PyTorch reads a 3-D input as
            ``(N, C, L)`` with a warning that this will change; convkit refuses it.)
        p (float): probability of zeroing a channel, in [0, 1]. Default: 0.5
        training (bool): apply dropout when ``True``; return the input unchanged when
            ``False``. Default: ``True``
        rng: a :class:`numpy.random.Generator`, an int seed, or ``None`` (fresh entropy).

    Shape:
        - Input: :math:`(N, C, H, W)`. Output: :math:`(N, C, H, W)`, the same shape; the
          random factor has shape :math:`(N, C, 1, 1)`.

    Returns:
        In training, a new float array; in evaluation mode, ``input`` itself (as a float
        array), as PyTorch returns the very same tensor.

    Examples::

        >>> x = np.ones((2, 3, 2, 2))
        >>> out = dropout2d(x, p=0.5, rng=0)
        >>> out[:, :, 0, 0]                     # one value per (example, channel) ...
        array([[2., 0., 0.],
               [0., 2., 2.]])
        >>> bool((out == out[:, :, :1, :1]).all())  # ... shared by all its positions
        True
        >>> bool((out == x * dropout_mask((2, 3, 1, 1), p=0.5, rng=0)).all())
        True
        >>> dropout2d(x, p=0.5, training=False) is x
        True
    """
    x = as_float_array(input, "input")
    check_ndim(x, (4,), "input", "(N, C, H, W)")
    return _inverted_dropout(x, p, training, rng, (x.shape[0], x.shape[1], 1, 1))


def dropout_backward(grad_output, mask) -> np.ndarray:
    r"""Gradient of inverted dropout with respect to its input.

    The forward pass is :math:`\text{out} = x \odot M` with the fixed random factor
    :math:`M` of :func:`dropout_mask` (entries 0 or :math:`1/(1-p)`), so the gradient flows
    only through the kept entries and is scaled the same way:
    :math:`\partial L / \partial x = \partial L / \partial\,\text{out} \odot M`.

    Examples::

        >>> mask = dropout_mask((1, 4), p=0.5, rng=1)
        >>> mask
        array([[2., 2., 0., 2.]])
        >>> dropout_backward(np.full((1, 4), 3.0), mask)
        array([[6., 6., 0., 6.]])
    """
    g = as_float_array(grad_output, "grad_output")
    m = as_float_array(mask, "mask")
    if g.shape != m.shape:
        raise ValueError(
            f"grad_output and mask must have the same shape, got {g.shape} and {m.shape}"
        )
    return g * m
