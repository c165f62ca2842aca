"""Training and scoring a clip classifier: the loop chapter 7 hands out.

:func:`train_clip_classifier` trains any ``nn.Module`` that maps clips ``(N, 1, T, H, W)`` to
logits and :func:`clip_accuracy` scores it.
They hold no reference answer, so the chapter-7 grading kernel may import them (the class grader's
handout): under two-process grading the hidden test trains a model the student wrote as a class
there, in the student's kernel. The models themselves are in :mod:`convkit.models.motion`.
"""

from __future__ import annotations

import time

import numpy as np
import torch
from torch import nn

from convkit._validation import positive_int

__all__ = ["clip_accuracy", "train_clip_classifier"]


def _as_tensors(x, y):
    x = torch.as_tensor(np.asarray(x, dtype=np.float32))
    y = torch.as_tensor(np.asarray(y, dtype=np.int64))
    if x.dim() != 5:
        raise ValueError(f"x must have shape (N, C, T, H, W), got {tuple(x.shape)}")
    if y.shape != (x.shape[0],):
        raise ValueError(f"y must have shape ({x.shape[0]},), got {tuple(y.shape)}")
    return x, y


def train_clip_classifier(
    model: nn.Module,
    x,
    y,
    *,
    epochs: int = 3,
    batch_size: int = 64,
    lr: float = 3e-3,
    seed: int = 0,
    device: str | torch.device = "cpu",
) -> dict:
    """Train ``model`` with Adam and cross-entropy on clips ``x`` with labels ``y``.

    The batches are shuffled with a generator seeded by ``seed`` (the model's
    initial weights are whatever they were when it was built: seed before building).

    Args:
        model: maps ``(N, C, T, H, W)`` float32 clips to ``(N, classes)`` logits.
        x: clips, array of shape ``(N, C, T, H, W)``.
        y: int labels, shape ``(N,)``.
        epochs, batch_size, lr: the usual; Adam with learning rate ``lr``.
        seed: seed of the shuffling.
        device: where to train (``"cuda"`` when there is a GPU).

    Returns:
        dict with ``"losses"`` (mean loss per epoch) and ``"seconds"`` (wall time).

    Examples::

        >>> from convkit.data.clips import make_moving_digits
        >>> digits = np.zeros((4, 4, 4), dtype=np.float32); digits[:, 1:3, 1:3] = 1
        >>> x, y = make_moving_digits(digits, n_clips=16, frames=4, size=6, zoom=1)
        >>> _ = torch.manual_seed(0)
        >>> from convkit.models.motion import Motion3DNet
        >>> log = train_clip_classifier(Motion3DNet(4), x, y, epochs=2, batch_size=8)
        >>> len(log["losses"])
        2
    """
    epochs, batch_size = positive_int(epochs, "epochs"), positive_int(batch_size, "batch_size")
    if not lr > 0:
        raise ValueError(f"lr must be positive, got {lr!r}")
    x, y = _as_tensors(x, y)
    model.to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    gen = torch.Generator().manual_seed(int(seed))
    losses = []
    start = time.perf_counter()
    for _ in range(int(epochs)):
        model.train()
        order = torch.randperm(len(x), generator=gen)
        total = 0.0
        for i in range(0, len(x), int(batch_size)):
            idx = order[i : i + int(batch_size)]
            xb, yb = x[idx].to(device), y[idx].to(device)
            optimizer.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(idx)
        losses.append(total / len(x))
    return {"losses": losses, "seconds": time.perf_counter() - start}


@torch.no_grad()
def clip_accuracy(
    model: nn.Module, x, y, *, batch_size: int = 256, device: str | torch.device = "cpu"
) -> float:
    """Fraction of clips whose arg-max logit equals the label (model in eval mode).

    Examples::

        >>> clip_accuracy(nn.Sequential(nn.Flatten(), nn.Linear(8, 2)), np.zeros((3, 1, 2, 2, 2)),
        ...     [0, 1, 1]) in (1/3, 2/3)
        True
    """
    x, y = _as_tensors(x, y)
    model.to(device)
    model.eval()
    correct = 0
    for i in range(0, len(x), int(batch_size)):
        pred = model(x[i : i + batch_size].to(device)).argmax(dim=1).cpu()
        correct += int((pred == y[i : i + batch_size]).sum())
    return correct / len(x)
