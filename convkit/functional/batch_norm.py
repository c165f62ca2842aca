r"""Batch normalisation written out in numpy, forward and backward, to compare with
:func:`torch.nn.functional.batch_norm` and autograd (numpy only; chapter 09).

In training mode each channel :math:`c` is normalised with the mean :math:`\mu_c` and the *biased*
variance :math:`\sigma_c^2` of its :math:`M` values in the batch (:math:`M = N` times the product of
the spatial sizes), and the running statistics are updated with PyTorch's momentum convention and
the *unbiased* variance:

.. math::
    \hat\mu \leftarrow (1 - m)\,\hat\mu + m\,\mu_c, \qquad
    \hat\sigma^2 \leftarrow (1 - m)\,\hat\sigma^2 + m\,\frac{M}{M - 1}\,\sigma_c^2 .

(Keras writes the same update with ``momentum`` :math:`= 1 - m`, default 0.99.) In evaluation
mode the running statistics replace the batch ones.
"""

from __future__ import annotations

import numpy as np

from convkit._validation import as_real_array, check_bool, check_probability, nonnegative_real

__all__ = ["batch_norm", "batch_norm2d", "batch_norm_backward"]


def _prepare(input, ndims, what, tensors, training, eps):
    x = as_real_array(input, "input", ndims, what)
    x = x.astype(np.result_type(x.dtype, np.float32))
    c = x.shape[1]
    out = []
    for name, value, default in tensors:
        if value is None:
            out.append(None if default is None else np.full(c, default, dtype=x.dtype))
            continue
        arr = np.asarray(value, dtype=x.dtype)
        if arr.shape != (c,):
            raise ValueError(f"{name} must have shape ({c},), got {arr.shape}")
        out.append(arr)
    training = check_bool(training, "training")
    eps = nonnegative_real(eps, "eps")
    if training and eps <= 0:
        raise ValueError(f"eps must be positive in training mode (as in torch), got {eps!r}")
    axes = (0, *range(2, x.ndim))
    count = x.size // c if c else 0
    if training and count < 2:
        raise ValueError(
            f"training mode needs more than one value per channel, got input shape {x.shape}"
        )
    return x, out, training, eps, axes, count


def _statistics(x, axes, training, rmean, rvar):
    """The per-channel mean and variance that normalise ``x``: the batch's (biased variance) in
    training mode, the running statistics in evaluation mode."""
    if training:
        return x.mean(axis=axes), x.var(axis=axes)
    if rmean is None or rvar is None:
        raise ValueError("running_mean and running_var are required when training=False")
    return rmean, rvar


def _channel_shape(x) -> tuple:
    """``(1, C, 1, ...)``: a per-channel vector broadcast over ``x``."""
    return (1, x.shape[1]) + (1,) * (x.ndim - 2)


def batch_norm(
    input,
    running_mean,
    running_var,
    weight=None,
    bias=None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
):
    r"""Batch normalisation, one mean and variance per channel, as
    :func:`torch.nn.functional.batch_norm` (same arguments, same order, same defaults).

    .. math::
        y = \gamma_c \frac{x - \mu_c}{\sqrt{\sigma_c^2 + \epsilon}} + \beta_c

    with the batch mean and biased variance of channel :math:`c` in training mode and the running
    statistics in evaluation mode. Unlike torch, which updates ``running_mean`` and
    ``running_var`` in place, the updated running statistics are *returned* and the arguments are
    left unchanged.

    Args:
        input: array of shape ``(N, C)``, ``(N, C, L)``, ``(N, C, H, W)`` or ``(N, C, D, H, W)``.
        running_mean, running_var: shape ``(C,)`` or ``None``; required in evaluation mode. In
            training mode the updated copies are returned (``None`` stays ``None``).
        weight, bias: :math:`\gamma` and :math:`\beta`, shape ``(C,)`` (default 1 and 0).
        training: normalise with the batch statistics (``True``) or the running ones.
            Default: ``False``
        momentum: :math:`m` of the running update, in [0, 1]. Default: 0.1
        eps: :math:`\epsilon` added to the variance, positive in training mode. Default: 1e-5

    Returns:
        ``(y, running_mean, running_var)``; ``y`` has the shape of ``input``.

    Shape:
        - Input: :math:`(N, C, *)`; Output: :math:`(N, C, *)`, the same.
        - Statistics over :math:`M = N \prod *` values per channel; running variance update
          :math:`(1 - m)\hat\sigma^2 + m \frac{M}{M - 1}\sigma_c^2`.

    Examples::

        >>> x = np.array([[[1.0, 3.0]], [[5.0, 7.0]]])        # N=2, C=1, L=2: M = 4
        >>> y, m, v = batch_norm(x, np.zeros(1), np.ones(1), training=True, eps=1e-12)
        >>> y.ravel().round(4).tolist(), m.tolist(), v.round(4).tolist()
        ([-1.3416, -0.4472, 0.4472, 1.3416], [0.4], [1.5667])
        >>> y, _, _ = batch_norm(x, m, v, training=False)     # evaluation: the running statistics
        >>> y.ravel().round(4).tolist()
        [0.4794, 2.0772, 3.6751, 5.273]
    """
    x, (rmean, rvar, gamma, beta), training, eps, axes, count = _prepare(
        input,
        (2, 3, 4, 5),
        "(N, C, *)",
        (
            ("running_mean", running_mean, None),
            ("running_var", running_var, None),
            ("weight", weight, 1.0),
            ("bias", bias, 0.0),
        ),
        training,
        eps,
    )
    momentum = check_probability(momentum, "momentum")
    mean, var = _statistics(x, axes, training, rmean, rvar)
    if training:
        if rmean is not None:
            rmean = (1 - momentum) * rmean + momentum * mean
        if rvar is not None:
            rvar = (1 - momentum) * rvar + momentum * var * count / (count - 1)
    shape = _channel_shape(x)
    scale = gamma / np.sqrt(var + eps)
    y = (x - mean.reshape(shape)) * scale.reshape(shape) + beta.reshape(shape)
    return y, rmean, rvar


def batch_norm2d(
    input,
    running_mean,
    running_var,
    weight=None,
    bias=None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
):
    r""":func:`batch_norm` for an NCHW array only (what :class:`torch.nn.BatchNorm2d` accepts).

    Args:
        input: array of shape ``(N, C, H, W)``; the other arguments as in :func:`batch_norm`.

    Returns:
        ``(y, running_mean, running_var)``; the last two are ``None`` if not given.

    Shape:
        - Input: :math:`(N, C, H, W)`; Output: the same. Statistics over :math:`M = NHW` values.

    Examples::

        >>> x = np.array([[[[1.0, 3.0]]], [[[5.0, 7.0]]]])   # N=2, C=1, H=1, W=2
        >>> y, m, v = batch_norm2d(x, np.zeros(1), np.ones(1), training=True, eps=1e-12)
        >>> y.ravel().round(4).tolist(), m.tolist(), v.round(4).tolist()
        ([-1.3416, -0.4472, 0.4472, 1.3416], [0.4], [1.5667])
    """
    as_real_array(input, "input", (4,), "(N, C, H, W)")
    return batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)


def batch_norm_backward(
    grad_output,
    input,
    running_mean=None,
    running_var=None,
    weight=None,
    training: bool = True,
    eps: float = 1e-5,
):
    r"""Gradients of :func:`batch_norm` with respect to its input, weight and bias.

    With :math:`\hat x = (x - \mu_c)/\sqrt{\sigma_c^2 + \epsilon}` and :math:`g` the gradient of
    the loss with respect to :math:`y`, summing and averaging over the :math:`M` values of each
    channel:

    .. math::
        \frac{\partial L}{\partial \beta_c} = \sum g, \qquad
        \frac{\partial L}{\partial \gamma_c} = \sum g\,\hat x, \qquad
        \frac{\partial L}{\partial x} = \frac{\gamma_c}{\sqrt{\sigma_c^2 + \epsilon}}
            \Big(g - \overline{g} - \hat x\,\overline{g\,\hat x}\Big)
        \ \text{(training)}.

    In training mode the batch statistics depend on every input, hence the two mean terms. In
    evaluation mode :math:`\mu_c, \sigma_c^2` are the running statistics, constants, and
    :math:`\partial L/\partial x = g\,\gamma_c/\sqrt{\hat\sigma_c^2 + \epsilon}`. This is what
    autograd computes through :func:`torch.nn.functional.batch_norm`.

    Args:
        grad_output: :math:`g`, the shape of ``input``.
        input: the input of the forward pass, shape ``(N, C, *)``.
        running_mean, running_var: shape ``(C,)``, the statistics used in evaluation mode
            (ignored in training mode, where the batch statistics are recomputed).
        weight: :math:`\gamma`, shape ``(C,)`` (default 1).
        training: which forward pass to differentiate. Default: ``True``
        eps: :math:`\epsilon` of the forward pass. Default: 1e-5

    Returns:
        ``(grad_input, grad_weight, grad_bias)`` of shapes ``(N, C, *)``, ``(C,)``, ``(C,)``.

    Shape:
        - grad_output, input, grad_input: :math:`(N, C, *)`; grad_weight, grad_bias: :math:`(C,)`.

    Examples::

        >>> x = np.array([[[1.0, 3.0]], [[5.0, 7.0]]])
        >>> g = np.array([[[1.0, 0.0]], [[0.0, 0.0]]])        # the gradient of y[0, 0, 0]
        >>> dx, dw, db = batch_norm_backward(g, x, eps=1e-12)
        >>> dx.ravel().round(4).tolist(), dw.round(4).tolist(), db.tolist()
        ([0.1342, -0.1789, -0.0447, 0.0894], [-1.3416], [1.0])
    """
    x, (rmean, rvar, gamma), training, eps, axes, count = _prepare(
        input,
        (2, 3, 4, 5),
        "(N, C, *)",
        (
            ("running_mean", running_mean, None),
            ("running_var", running_var, None),
            ("weight", weight, 1.0),
        ),
        training,
        eps,
    )
    g = as_real_array(grad_output, "grad_output").astype(x.dtype)
    if g.shape != x.shape:
        raise ValueError(f"grad_output must have the shape of input {x.shape}, got {g.shape}")
    mean, var = _statistics(x, axes, training, rmean, rvar)
    shape = _channel_shape(x)
    inv_std = (1.0 / np.sqrt(var + eps)).reshape(shape)
    x_hat = (x - mean.reshape(shape)) * inv_std
    grad_bias = g.sum(axis=axes)
    grad_weight = (g * x_hat).sum(axis=axes)
    if training:
        g_mean = g.mean(axis=axes, keepdims=True)
        gx_mean = (g * x_hat).mean(axis=axes, keepdims=True)
        grad_input = gamma.reshape(shape) * inv_std * (g - g_mean - x_hat * gx_mean)
    else:
        grad_input = g * gamma.reshape(shape) * inv_std
    return grad_input, grad_weight, grad_bias
