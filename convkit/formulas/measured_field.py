r"""Receptive fields measured in a real PyTorch model from the gradient of one output unit.

:func:`measure_receptive_field` back-propagates one output unit to the input and reports the box
of input pixels with a non-zero gradient; it checks the layer-by-layer formula of
:func:`convkit.formulas.receptive_field.receptive_field` on real models. Chapter 4's assignment
hands this module out (the reference answers stay in :mod:`convkit.formulas.receptive_field`).
It imports torch only when called, so importing this module needs numpy alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from convkit._validation import is_int, positive_int

__all__ = ["MeasuredField", "measure_receptive_field"]


@dataclass(frozen=True)
class MeasuredField:
    """Receptive field of one output unit, measured from input gradients.

    Attributes:
        unit: ``(row, col)`` of the output unit that was differentiated.
        rows: first and last input row (inclusive) with a non-zero gradient.
        cols: first and last input column (inclusive) with a non-zero gradient.
        size: ``(height, width)`` of that bounding box.
        gradient: ``(H, W)`` numpy array, the absolute input gradient summed over
            samples and input channels.
    """

    unit: tuple[int, int]
    rows: tuple[int, int]
    cols: tuple[int, int]
    size: tuple[int, int]
    gradient: np.ndarray


def measure_receptive_field(
    model, input_shape, unit=None, positive=True, n_samples=4, input=None, seed=0
) -> MeasuredField:
    r"""Measure a model's receptive field from the gradient of one output unit.

    The output unit (summed over output channels) is back-propagated to the
    input; the input pixels with a non-zero gradient are the ones it sees.

    With ``positive=True`` (default) the measurement runs on a copy of the model
    whose weights are all positive and whose biases are zero, fed with positive
    random inputs: then no ReLU is off and no contribution cancels, so the
    support is the full theoretical field (a max pooling layer still passes
    gradient to one pixel per window, so use a few ``n_samples`` to cover the
    field). With ``positive=False`` the model is used as it is, which shows the
    pixels that really matter for the given ``input`` (the effective field).

    Args:
        model (torch.nn.Module): maps ``(N, C, H, W)`` to ``(N, C', H', W')``.
        input_shape (tuple): ``(C, H, W)`` of one input.
        unit (tuple, optional): ``(row, col)`` of the output unit. Default: the central one,
            ``(H' // 2, W' // 2)``.
        positive (bool, optional): measure on a positive copy (see above). Default: ``True``.
        n_samples (int, optional): random inputs whose gradient supports are merged. Default: 4.
        input (array or tensor, optional): a ``(C, H, W)`` input to use instead of random ones.
        seed (int, optional): seed of the random inputs. Default: 0.

    Returns:
        A :class:`MeasuredField`. The model passed in is never modified.

    Examples::

        >>> import torch
        >>> net = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.ReLU(),
        ...                           torch.nn.Conv2d(2, 1, 3, stride=2))
        >>> m = measure_receptive_field(net, (1, 15, 15))
        >>> m.unit, m.size, m.rows
        ((3, 3), (5, 5), (6, 10))
        >>> from convkit.formulas.receptive_field import receptive_field
        >>> f = receptive_field([(3,), (3, 2)])[-1]
        >>> f.size, f.window(3)
        (5, (6.0, 10.0))
    """
    import copy

    import torch

    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if not (
        isinstance(input_shape, (tuple, list))
        and len(input_shape) == 3
        and all(is_int(v) and v > 0 for v in input_shape)
    ):
        raise ValueError(f"input_shape must be (C, H, W) with positive ints, got {input_shape!r}")
    n_samples = positive_int(n_samples, "n_samples")
    net = copy.deepcopy(model).double().eval()
    if positive:
        with torch.no_grad():
            for name, param in net.named_parameters():
                if name.endswith("bias"):
                    param.zero_()
                else:
                    param.copy_(param.abs() + 0.1)
    if input is not None:
        x = torch.as_tensor(np.asarray(input), dtype=torch.float64)
        if tuple(x.shape) != tuple(input_shape):
            raise ValueError(f"input must have shape {tuple(input_shape)}, got {tuple(x.shape)}")
        x = x[None]
    else:
        gen = torch.Generator().manual_seed(int(seed))
        x = torch.rand((n_samples,) + tuple(input_shape), generator=gen, dtype=torch.float64)
        x = x + 0.5 if positive else 2 * x - 1
    x.requires_grad_(True)
    out = net(x)
    if out.ndim != 4:
        raise ValueError(f"model must return (N, C, H, W), got shape {tuple(out.shape)}")
    oh, ow = out.shape[-2:]
    if unit is None:
        unit = (oh // 2, ow // 2)
    if not (
        isinstance(unit, (tuple, list))
        and len(unit) == 2
        and 0 <= unit[0] < oh
        and 0 <= unit[1] < ow
    ):
        raise ValueError(f"unit must be (row, col) inside the {oh}x{ow} output, got {unit!r}")
    out[:, :, unit[0], unit[1]].sum().backward()
    # no gradient at all (the unit does not depend on the input) counts as a zero gradient
    x_grad = x.grad if x.grad is not None else torch.zeros_like(x)
    grad = x_grad.abs().sum(dim=(0, 1)).numpy()
    rows = np.flatnonzero(grad.any(axis=1))
    cols = np.flatnonzero(grad.any(axis=0))
    if rows.size == 0:
        raise ValueError(
            "the chosen unit has a zero gradient everywhere; try positive=True or another input"
        )
    r = (int(rows[0]), int(rows[-1]))
    c = (int(cols[0]), int(cols[-1]))
    return MeasuredField(
        unit=(int(unit[0]), int(unit[1])),
        rows=r,
        cols=c,
        size=(r[1] - r[0] + 1, c[1] - c[0] + 1),
        gradient=grad,
    )
