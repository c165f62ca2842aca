"""Multiply-accumulates of a whole PyTorch model, counted by PyTorch itself.

:func:`count_macs` runs one forward pass of a copy of the model on the ``meta`` device under
:class:`torch.utils.flop_counter.FlopCounterMode` and halves its FLOPs (the counter reports two
FLOPs, a multiplication and an addition, per multiply-accumulate). It is the measured counterpart
of the formulas of :mod:`convkit.formulas.counting`: for a convolution it equals
``conv_macs(..., bias=False)``. Chapter 09 uses it to compare network designs.
"""

from __future__ import annotations

import copy

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from convkit.models.utils import _check_input_size

__all__ = ["count_macs"]


def count_macs(model: nn.Module, input_shape, *, by_module: bool = False, device: str = "meta"):
    r"""MACs of one forward pass of ``model`` on one input, counted by ``FlopCounterMode``.

    .. math::
        \text{MACs} = \tfrac{1}{2}\,\text{FLOPs reported by FlopCounterMode}

    The pass runs on a copy of the model, by default on the ``meta`` device, so nothing is
    computed or allocated; the model passed in is left as it is. What the counter counts: matrix
    products and convolutions (their multiplications and accumulations), not bias additions,
    activations or pooling; for one convolution this is
    :func:`convkit.conv_macs` with ``bias=False``.

    Args:
        model (torch.nn.Module): the model; it is not modified.
        input_shape (tuple): the shape of **one** input without the batch axis, e.g.
            ``(C, H, W)``; the pass uses a batch of one.
        by_module (bool, keyword-only): return a dict ``{module name: MACs}`` with one
            entry per submodule that did any counted work (names as in
            ``named_modules()``, the whole model as ``""``) instead of the total.
            Default: ``False``
        device (str, keyword-only): where the copy runs its pass: ``"meta"`` computes
            nothing; ``"cpu"`` runs a real pass on zeros, for a model whose ``forward``
            makes tensors of its own (``torch.arange(n)``), which cannot mix with meta
            tensors. The count is the same. Default: ``"meta"``

    Shape:
        - Input of ``model``: :math:`(1, *\text{input\_shape})`

    Returns:
        int, or dict of str to int when ``by_module=True``.

    Examples::

        >>> count_macs(nn.Conv2d(3, 8, 3, padding=1), (3, 10, 10))  # 8*10*10 outputs x 27
        21600
        >>> from convkit import conv_macs
        >>> conv_macs(3, 8, 3, (10, 10), bias=False)
        21600
        >>> net = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(64, 10))
        >>> count_macs(net, (1, 6, 6), by_module=True)
        {'': 1216, '0': 576, '3': 640}
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    shape = _check_input_size(input_shape, "input_shape")
    if not isinstance(by_module, bool):
        raise TypeError(f"by_module must be a bool, got {type(by_module).__name__}")
    if device not in ("meta", "cpu"):
        raise ValueError(f'device must be "meta" or "cpu", got {device!r}')
    net = copy.deepcopy(model).to(device)
    x = torch.zeros((1,) + shape, device=device)
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        net(x)
    if not by_module:
        return int(counter.get_total_flops()) // 2
    prefix = type(net).__name__
    counted = {}
    for name, ops in counter.get_flop_counts().items():
        if name == "Global":
            continue
        key = "" if name == prefix else name.removeprefix(prefix + ".")
        counted[key] = int(sum(ops.values())) // 2
    # in the order of named_modules(): the model first, then its submodules depth first
    return {name: counted[name] for name, _ in net.named_modules() if name in counted}
