"""Batch normalisation written out in numpy, to compare with :func:`torch.nn.functional.batch_norm`
(numpy only)."""

from __future__ import annotations

import numpy as np

from convkit._validation import as_real_array, check_bool, check_probability, nonnegative_real

__all__ = ["batch_norm2d"]


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
    r"""Batch normalisation of an NCHW array, one mean and variance per channel.

    In training mode each channel :math:`c` is normalised with the mean and the
    *biased* variance of its :math:`N H W` values in the batch,

    .. math::
        y = \gamma_c \frac{x - \mu_c}{\sqrt{\sigma_c^2 + \epsilon}} + \beta_c ,

    and the running statistics are updated with the *unbiased* variance:
    :math:`\hat\mu \leftarrow (1 - m)\hat\mu + m \mu_c`,
    :math:`\hat\sigma^2 \leftarrow (1 - m)\hat\sigma^2 + m \frac{NHW}{NHW - 1}\sigma_c^2`.
    In eval mode the running statistics replace the batch ones, so the layer is
    a fixed per-channel affine map. This is what :func:`torch.nn.functional.batch_norm` does, and
    the arguments come in its order, with its default ``training=False``.

    Args:
        input: array of shape ``(N, C, H, W)``.
        running_mean, running_var: shape ``(C,)`` or ``None``; needed in eval mode. In
            training mode they are returned updated (the inputs are not modified).
        weight, bias: :math:`\gamma` and :math:`\beta`, shape ``(C,)`` (default 1 and 0).
        training: use the batch statistics (``True``) or the running ones. Default: ``False``
        momentum: :math:`m` of the running update. Default: 0.1
        eps: :math:`\epsilon`, positive in training mode (as torch requires). Default: 1e-5

    Returns:
        ``(y, running_mean, running_var)``; the last two are ``None`` if not given.

    Shape:
        - Input: :math:`(N, C, H, W)`; Output: the same.

    Examples::

        >>> x = np.array([[[[1.0, 3.0]]], [[[5.0, 7.0]]]])   # N=2, C=1, H=1, W=2
        >>> y, m, v = batch_norm2d(x, np.zeros(1), np.ones(1), training=True, eps=1e-12)
        >>> y.ravel().round(4).tolist(), m.tolist(), v.round(4).tolist()
        ([-1.3416, -0.4472, 0.4472, 1.3416], [0.4], [1.5667])
    """
    x = as_real_array(input, "input", (4,), "(N, C, H, W)")
    x = x.astype(np.result_type(x.dtype, np.float32))
    c = x.shape[1]

    def per_channel(value, name, default):
        if value is None:
            return None if default is None else np.full(c, default, dtype=x.dtype)
        arr = np.asarray(value, dtype=x.dtype)
        if arr.shape != (c,):
            raise ValueError(f"{name} must have shape ({c},), got {arr.shape}")
        return arr

    gamma, beta = per_channel(weight, "weight", 1.0), per_channel(bias, "bias", 0.0)
    rmean, rvar = (
        per_channel(running_mean, "running_mean", None),
        per_channel(running_var, "running_var", None),
    )
    training = check_bool(training, "training")
    momentum = check_probability(momentum, "momentum")
    eps = nonnegative_real(eps, "eps")
    if training and eps <= 0:
        raise ValueError(f"eps must be positive in training mode (as in torch), got {eps!r}")
    if training:
        count = x.shape[0] * x.shape[2] * x.shape[3]
        if count < 2:
            raise ValueError(
                f"training mode needs more than one value per channel, got input shape {x.shape}"
            )
        mean = x.mean(axis=(0, 2, 3))
        var = x.var(axis=(0, 2, 3))  # biased, used to normalise
        if rmean is not None:
            rmean = (1 - momentum) * rmean + momentum * mean
        if rvar is not None:
            rvar = (1 - momentum) * rvar + momentum * var * count / (count - 1)
    else:
        if rmean is None or rvar is None:
            raise ValueError("running_mean and running_var are required when training=False")
        mean, var = rmean, rvar
    shape = (1, c, 1, 1)
    y = (x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + eps) * gamma.reshape(
        shape
    ) + beta.reshape(shape)
    return y, rmean, rvar
