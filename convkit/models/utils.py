"""Helpers to inspect and compare models: parameter counts, per-layer tables, weight copies."""

from __future__ import annotations

from collections import OrderedDict

import torch
from torch import nn

from convkit._validation import positive_int

__all__ = [
    "count_parameters",
    "layer_table",
    "format_layer_table",
    "copy_weights",
    "NamedSequential",
]


class NamedSequential(nn.Sequential):
    """A :class:`torch.nn.Sequential` whose constructor takes its own arguments (a variant,
    widths...) rather than the layers, and whose slices are plain :class:`~torch.nn.Sequential`.

    ``nn.Sequential`` builds a slice by calling ``type(self)`` with the sliced layers, which a
    subclass with its own arguments rejects; here ``net[:3]`` gives the first three layers, with
    their names, as an ``nn.Sequential`` that shares their parameters. Indexing with an integer
    returns the layer, as usual.

    Examples::

        >>> class Tiny(NamedSequential):
        ...     def __init__(self, width: int):
        ...         super().__init__(nn.Conv2d(1, width, 3), nn.ReLU(), nn.Flatten())
        >>> Tiny(4)[:2]
        Sequential(
          (0): Conv2d(1, 4, kernel_size=(3, 3), stride=(1, 1))
          (1): ReLU()
        )
    """

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return nn.Sequential(OrderedDict(list(self._modules.items())[idx]))
        return super().__getitem__(idx)


def count_parameters(model: nn.Module, trainable_only: bool = False) -> int:
    """Number of parameters of ``model`` (each shared tensor counted once).

    Examples::

        >>> count_parameters(nn.Conv2d(3, 8, 3))  # 8 * 3 * 3 * 3 weights + 8 biases
        224
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)


def _check_input_size(input_size, name: str = "input_size") -> tuple[int, ...]:
    if not isinstance(input_size, (tuple, list)) or not input_size:
        raise TypeError(f"{name} must be a tuple such as (1, 28, 28), got {input_size!r}")
    return tuple(positive_int(s, f"{name}[{i}]") for i, s in enumerate(input_size))


def layer_table(
    model: nn.Module, input_size, *, depth: int = 1
) -> list[tuple[str, str, tuple[int, ...] | None, int]]:
    """Output shape and parameter count of each submodule, found by one forward pass.

    The pass runs (in eval mode, without gradients) on the device of the model's
    parameters. Build a big model on the ``meta`` device (``with
    torch.device("meta"): net = VGG(...)``) and the pass only computes shapes:
    no memory is allocated and no arithmetic is done.

    Args:
        model: the network.
        input_size: shape of one sample, without the batch axis, e.g. ``(1, 28, 28)``.
        depth: list the submodules this many levels below the model (1: its children).

    Returns:
        A list of ``(name, type, output_shape, parameters)`` rows, in call order;
        the batch axis of ``output_shape`` is 1. The model's train/eval mode is restored.

    Examples::

        >>> net = nn.Sequential(nn.Conv2d(1, 4, 3), nn.Flatten(), nn.Linear(4 * 26 * 26, 10))
        >>> for row in layer_table(net, (1, 28, 28)): print(row)
        ('0', 'Conv2d', (1, 4, 26, 26), 40)
        ('1', 'Flatten', (1, 2704), 0)
        ('2', 'Linear', (1, 10), 27050)
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    input_size = _check_input_size(input_size)
    depth = positive_int(depth, "depth")
    first = next(model.parameters(), None)
    device = first.device if first is not None else torch.device("cpu")
    dtype = (
        first.dtype
        if first is not None and first.is_floating_point()
        else torch.get_default_dtype()
    )
    rows: list[tuple[str, str, tuple[int, ...] | None, int]] = []
    handles = []
    for name, module in model.named_modules():
        if name and name.count(".") == depth - 1:

            def hook(mod, _inputs, output, name=name):
                shape = tuple(output.shape) if isinstance(output, torch.Tensor) else None
                rows.append((name, type(mod).__name__, shape, count_parameters(mod)))

            handles.append(module.register_forward_hook(hook))
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            model(torch.zeros((1, *input_size), device=device, dtype=dtype))
    finally:
        for h in handles:
            h.remove()
        model.train(was_training)
    return rows


def format_layer_table(rows) -> str:
    """Render the rows of :func:`layer_table` as aligned text with a total line.

    Examples::

        >>> print(format_layer_table([("0", "Conv2d", (1, 4, 26, 26), 40),
        ...                           ("1", "Flatten", (1, 2704), 0)]))
        layer         type              output shape          params
        0             Conv2d            (4, 26, 26)               40
        1             Flatten           (2704,)                    0
        total                                                     40
    """
    lines = [f"{'layer':<13} {'type':<17} {'output shape':<20} {'params':>7}"]
    for name, kind, shape, params in rows:
        shown = str(tuple(shape[1:])) if shape is not None else "-"
        lines.append(f"{name:<13} {kind:<17} {shown:<20} {params:>7,}")
    lines.append(f"{'total':<13} {'':<17} {'':<20} {sum(r[3] for r in rows):>7,}")
    return "\n".join(lines)


def copy_weights(source: nn.Module, target: nn.Module) -> nn.Module:
    """Copy every parameter and buffer of ``source`` into ``target``, matched by position.

    The two state dicts must list tensors of the same shapes in the same order;
    their names may differ (``conv1.0.weight`` in one, ``c1.weight`` in the
    other). The copy goes through :meth:`~torch.nn.Module.load_state_dict`
    (strict), so after it the two modules compute the same function.

    Returns:
        ``target``.

    Raises:
        ValueError: if the number of tensors or a shape differs, naming the first mismatch.

    Examples::

        >>> a, b = nn.Sequential(nn.Linear(3, 2)), nn.Linear(3, 2)
        >>> x = torch.randn(4, 3)
        >>> torch.equal(copy_weights(a, b)(x), a(x))
        True
    """
    src, dst = source.state_dict(), target.state_dict()
    if len(src) != len(dst):
        raise ValueError(
            f"source has {len(src)} tensors ({', '.join(src)}) "
            f"but target has {len(dst)} ({', '.join(dst)})"
        )
    new = {}
    for (sk, sv), (dk, dv) in zip(src.items(), dst.items(), strict=False):
        if sv.shape != dv.shape:
            raise ValueError(
                f"source {sk} has shape {tuple(sv.shape)} "
                f"but target {dk} has shape {tuple(dv.shape)}"
            )
        new[dk] = (
            sv.detach().clone().to(dtype=dv.dtype)
            if dv.is_floating_point()
            else sv.detach().clone()
        )
    target.load_state_dict(new, strict=True)
    return target
