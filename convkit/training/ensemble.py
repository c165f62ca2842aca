r"""A small ensemble of :class:`~convkit.models.small.SmallCNN` networks, and test-time augmentation
(chapter 10).

:func:`train_ensemble` trains several networks with one recipe (augmentation, AdamW,
a one-cycle schedule, label smoothing) that differ only in their seed, and measures the
CPU time the training took. :func:`average_proba` averages the softmax outputs of
several networks, optionally over shifted copies of every input (test-time augmentation).

This module imports torch: ``import convkit`` does not import it.
"""

from __future__ import annotations

import numbers
import time
from typing import NamedTuple

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader

from convkit import transforms as T
from convkit._validation import positive_int as _positive_int
from convkit.data.datasets import ArrayDataset
from convkit.models.small import SmallCNN
from convkit.training.train import fit, seed_everything

__all__ = ["TrainedEnsemble", "train_ensemble", "average_proba"]


class TrainedEnsemble(NamedTuple):
    """Result of :func:`train_ensemble`: the networks, one :class:`~convkit.training.train.History`
    per network, and the CPU seconds (:func:`time.process_time`) of all the training."""

    models: list
    histories: list
    cpu_seconds: float


def _default_augment(seed: int):
    return T.RandomAffine(10, translate=(0.1, 0.1), scale=(0.9, 1.1), rng=seed)


def train_ensemble(
    images,
    labels,
    *,
    members: int = 3,
    seed: int = 0,
    widths=(16, 32, 64),
    hidden: int = 64,
    p: float = 0.3,
    epochs: int = 25,
    batch_size: int = 64,
    lr: float = 1e-2,
    weight_decay: float = 5e-4,
    label_smoothing: float = 0.1,
    augment=None,
    transform=None,
    held_out=None,
    val=None,
    device=None,
) -> TrainedEnsemble:
    r"""Train ``members`` networks
    :class:`SmallCNN(widths, hidden, p) <convkit.models.small.SmallCNN>`
    with one recipe; network ``i`` uses the seed ``seed + i`` for everything random.

    With ``held_out`` (one index array per network), network ``i`` does not see the images
    ``held_out[i]``: they are its own validation digits, and with disjoint ``held_out``
    arrays every image is unseen by at most one network while the ensemble as a whole
    learns from all of them (a *cross-validation ensemble*).

    For each member, with :math:`s = \text{seed} + i`:
    :func:`~convkit.training.train.seed_everything` ``(s)`` (initial weights and dropout masks), the
    augmentation ``augment(s)`` followed by ``transform`` on every training image, batches
    shuffled by a :class:`torch.Generator` seeded with :math:`s`,
    :class:`torch.optim.AdamW` ``(lr, weight_decay)``, a
    :class:`~torch.optim.lr_scheduler.OneCycleLR` schedule with peak ``lr`` stepped once per
    epoch, and cross-entropy with ``label_smoothing``, all run by
    :func:`convkit.training.train.fit`.

    Args:
        images: raw training images ``(N, H, W)`` or ``(N, C, H, W)`` (numpy).
        labels: integer labels ``(N,)``.
        members (int): number of networks. Default: 3
        seed (int): seed of the first network. Default: 0
        widths, hidden, p: the :class:`~convkit.models.small.SmallCNN` arguments.
            Default: (16, 32, 64), 64, 0.3
        epochs (int): epochs per network. Default: 25
        batch_size (int): Default: 64
        lr (float): peak learning rate of the one-cycle schedule. Default: 1e-2
        weight_decay (float): AdamW's decoupled weight decay. Default: 5e-4
        label_smoothing (float): Default: 0.1
        augment (callable, optional): ``seed -> transform``, the training augmentation of one
            network. Default:
            ``T.RandomAffine(10, translate=(0.1, 0.1), scale=(0.9, 1.1), rng=seed)``
        transform (callable, optional): applied after the augmentation to training images, and
            to ``val`` images (typically :class:`convkit.transforms.Normalize`). Default: none
        held_out (sequence of index arrays, optional): ``held_out[i]`` are the indices of the
            images network ``i`` leaves out of its training; ``len(held_out)`` must be
            ``members``. Default: every network trains on all images
        val (tuple, optional): ``(images, labels)`` evaluated after every epoch (recorded in the
            histories; it does not influence the training).
        device: as in :func:`convkit.training.train.fit`.

    Returns:
        :class:`TrainedEnsemble` ``(models, histories, cpu_seconds)``, the models in evaluation
        mode.

    Shape:
        - images: :math:`(N, C_{in}, H, W)` or :math:`(N, H, W)` (then :math:`C_{in} = 1`),
          with :math:`H, W \ge 4`; every model maps :math:`(B, C_{in}, H, W)` to :math:`(B, 10)`.

    Examples::

        >>> x = np.random.default_rng(0).random((32, 28, 28)); y = np.arange(32) % 10
        >>> ens = train_ensemble(x, y, members=2, widths=(4, 4, 4), hidden=8, epochs=1,
        ...     device="cpu")
        >>> len(ens.models), len(ens.histories[1]), ens.cpu_seconds > 0
        (2, 1, True)
        >>> average_proba(ens.models, x[:3]).shape
        torch.Size([3, 10])
    """
    members = _positive_int(members, "members")
    epochs = _positive_int(epochs, "epochs")
    batch_size = _positive_int(batch_size, "batch_size")
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    for name, value in (
        ("lr", lr),
        ("weight_decay", weight_decay),
        ("label_smoothing", label_smoothing),
    ):
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or value < 0:
            raise ValueError(f"{name} must be a non-negative number, got {value!r}")
    if not lr > 0:
        raise ValueError(f"lr must be positive, got {lr!r}")
    augment = _default_augment if augment is None else augment
    if not callable(augment):
        raise TypeError(
            f"augment must be a callable seed -> transform, got {type(augment).__name__}"
        )
    if transform is not None and not callable(transform):
        raise TypeError(f"transform must be callable or None, got {type(transform).__name__}")
    images, labels = np.asarray(images), np.asarray(labels)
    if held_out is None:
        subsets = [np.arange(len(images))] * members
    else:
        held_out = [np.asarray(h) for h in held_out]
        if len(held_out) != members:
            raise ValueError(
                f"held_out must hold one index array per member ({members}), got {len(held_out)}"
            )
        subsets = []
        for i, h in enumerate(held_out):
            if h.ndim != 1 or (h.size and h.dtype.kind not in "iu"):
                raise TypeError(f"held_out[{i}] must be a 1-D integer index array")
            subsets.append(np.setdiff1d(np.arange(len(images)), h))
    in_channels = 1 if images.ndim == 3 else images.shape[1]
    val_loader = None
    if val is not None:
        val_loader = DataLoader(ArrayDataset(val[0], val[1], transform), batch_size=500)

    models, histories = [], []
    start = time.process_time()
    for i in range(members):
        s = int(seed) + i
        seed_everything(s)
        model = SmallCNN(widths, hidden, p, in_channels=in_channels)
        aug = augment(s)
        train_tf = aug if transform is None else T.Compose([aug, transform])
        keep = subsets[i]
        loader = DataLoader(
            ArrayDataset(images[keep], labels[keep], train_tf),
            batch_size=batch_size,
            shuffle=True,
            generator=torch.Generator().manual_seed(s),
        )
        optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
        schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=lr, total_steps=epochs + 1)
        history = fit(
            model,
            loader,
            val_loader,
            epochs=epochs,
            optimizer=optimizer,
            scheduler=schedule,
            loss_fn=nn.CrossEntropyLoss(label_smoothing=label_smoothing),
            device=device,
            progress=False,
        )
        models.append(model.eval())
        histories.append(history)
    return TrainedEnsemble(models, histories, time.process_time() - start)


@torch.no_grad()
def average_proba(
    models, images, *, transform=None, views=((0, 0),), batch_size: int = 500, device=None
):
    r"""Average the softmax probabilities of several networks over shifted copies of the images.

    .. math::
        \bar p(x) = \frac{1}{M V} \sum_{m=1}^{M} \sum_{v=1}^{V}
        \operatorname{softmax}\bigl(f_m(\tau(S_v x))\bigr),

    where :math:`f_1, \dots, f_M` are the networks, :math:`S_v` moves the image by the
    whole-pixel shift ``views[v] = (dx, dy)`` (right and down positive, the uncovered border
    filled with 0: :func:`convkit.transforms.affine`) and :math:`\tau` is ``transform``. One
    network and the single view ``(0, 0)`` give that network's plain softmax output.

    Args:
        models: a :class:`torch.nn.Module` returning logits ``(B, K)``, or a sequence of them.
            They run in evaluation mode; their modes are restored.
        images: raw images ``(N, H, W)`` or ``(N, C, H, W)`` (numpy), shifted before ``transform``.
        transform (callable, optional): applied to every shifted image ``(C, H, W)``, e.g. the
            training set's :class:`convkit.transforms.Normalize`. Default: none
        views (sequence of (int, int)): the shifts :math:`(dx, dy)` in pixels.
            Default: ``((0, 0),)``
        batch_size (int): images per forward pass. Default: 500
        device: where to run (``None``: the device of the first model's parameters).

    Shape:
        - images: :math:`(N, C, H, W)` or :math:`(N, H, W)`
        - Output: :math:`(N, K)`, float32 on the CPU; every row sums to 1.

    Examples::

        >>> net = nn.Sequential(nn.Flatten(), nn.Linear(4, 3))
        >>> x = np.random.default_rng(0).random((5, 2, 2))
        >>> p = average_proba([net, net], x, views=[(0, 0), (1, 0)])
        >>> p.shape, bool(torch.allclose(p.sum(1), torch.ones(5)))
        (torch.Size([5, 3]), True)
        >>> one = average_proba(net, x)                       # one network, one view: its softmax
        >>> bool(torch.allclose(one,
        ...     torch.softmax(net(torch.tensor(x, dtype=torch.float32)[:, None]), 1)))
        True
    """
    if isinstance(models, nn.Module):
        models = [models]
    models = list(models)
    if not models or not all(isinstance(m, nn.Module) for m in models):
        raise TypeError("models must be a torch.nn.Module or a non-empty sequence of them")
    views = [tuple(v) for v in views]
    if not views:
        raise ValueError("views must hold at least one (dx, dy) shift")
    for v in views:
        if len(v) != 2 or not all(
            isinstance(d, numbers.Integral) and not isinstance(d, bool) for d in v
        ):
            raise ValueError(f"views must be (dx, dy) pairs of ints, got {v!r}")
    if transform is not None and not callable(transform):
        raise TypeError(f"transform must be callable or None, got {type(transform).__name__}")
    batch_size = _positive_int(batch_size, "batch_size")
    images = np.asarray(images)
    if device is None:
        first = next(models[0].parameters(), None)
        device = first.device if first is not None else torch.device("cpu")
    device = torch.device(device)
    modes = [m.training for m in models]
    dummy = np.zeros(len(images), dtype=np.int64)
    total = None
    try:
        for m in models:
            m.eval()
        for dx, dy in views:
            shifted = (
                images if (dx, dy) == (0, 0) else T.affine(images, translate=(int(dx), int(dy)))
            )
            loader = DataLoader(ArrayDataset(shifted, dummy, transform), batch_size=batch_size)
            for m in models:
                probs = torch.cat(
                    [torch.softmax(m(x.to(device)).float(), dim=1).cpu() for x, _ in loader]
                )
                total = probs if total is None else total + probs
    finally:
        for m, mode in zip(models, modes, strict=True):
            m.train(mode)
    assert total is not None  # models and views are non-empty (checked above)
    return total / (len(models) * len(views))
