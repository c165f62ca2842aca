"""Two small classifiers for the moving-digit clips of :mod:`convkit.data.clips`.

:class:`Motion3DNet` convolves over time and space together (``nn.Conv3d``), so a
kernel sees the same place in consecutive frames and can respond to motion.
:class:`PerFrame2DNet` runs the same kind of 2D network on every frame on its own
and averages the per-frame features over time before a linear read-out: it never
compares one frame with the next. This module imports PyTorch; ``import convkit``
does not load it.
"""

from __future__ import annotations

import copy
import time

import numpy as np
import torch
from torch import nn

from convkit._validation import int_at_least, positive_int

__all__ = [
    "Motion3DNet",
    "PerFrame2DNet",
    "clip_accuracy",
    "count_parameters",
    "train_clip_classifier",
    "training_step_seconds",
]


def _check_channels(channels) -> tuple[int, int]:
    if not isinstance(channels, (tuple, list)) or len(channels) != 2:
        raise TypeError(f"channels must be a tuple of two ints, got {channels!r}")
    return positive_int(channels[0], "channels[0]"), positive_int(channels[1], "channels[1]")


def _check_directions(num_directions) -> int:
    return int_at_least(num_directions, 2, "num_directions")


class Motion3DNet(nn.Module):
    r"""A small 3D CNN that reads the direction of motion from a clip.

    ``Conv3d(1, c1, 3, padding=1)`` - ReLU - ``MaxPool3d((1, 2, 2))`` -
    ``Conv3d(c1, c2, 3, padding=1)`` - ReLU - global max pool over time and
    space - ``Linear(c2, num_directions)``. The first convolution's kernels span
    three consecutive frames, so they can match a stroke in one frame with the
    same stroke one pixel further on in the next; the global max pool asks, for
    each feature, "did this motion pattern occur anywhere in the clip?".

    Args:
        num_directions: number of direction classes (4 or 8 for the course's clips).
        channels: output channels ``(c1, c2)`` of the two convolutions.

    Shape:
        - Input: :math:`(N, 1, T, H, W)` with :math:`T, H, W \ge 1`.
        - Output: :math:`(N, \text{num\_directions})` (logits).

    Examples::

        >>> net = Motion3DNet(4)
        >>> net(torch.zeros(2, 1, 8, 24, 24)).shape
        torch.Size([2, 4])
        >>> count_parameters(net)  # (27+1)*8 + (8*27+1)*16 + (16+1)*4
        3764
    """

    def __init__(self, num_directions: int = 4, channels=(8, 16)):
        super().__init__()
        num_directions = _check_directions(num_directions)
        c1, c2 = _check_channels(channels)
        self.features = nn.Sequential(
            nn.Conv3d(1, c1, kernel_size=3, padding=1),
            nn.ReLU(),
            nn.MaxPool3d(kernel_size=(1, 2, 2)),
            nn.Conv3d(c1, c2, kernel_size=3, padding=1),
            nn.ReLU(),
            nn.AdaptiveMaxPool3d(1),
            nn.Flatten(),
        )
        self.head = nn.Linear(c2, num_directions)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 5:
            raise ValueError(f"input must have shape (N, C, T, H, W), got {tuple(x.shape)}")
        return self.head(self.features(x))


class PerFrame2DNet(nn.Module):
    r"""The per-frame 2D baseline: the same network on every frame, averaged over time.

    Each frame goes through ``Conv2d(1, c1, 3, padding=1)`` - ReLU -
    ``MaxPool2d(2)`` - ``Conv2d(c1, c2, 3, padding=1)`` - ReLU - global max
    pool over the frame, independently of the other frames. The ``T`` feature vectors of a clip
    are averaged and a ``Linear(c2, num_directions)`` layer reads the average.
    Averaging is blind to the order of the frames, so the model gives a clip and
    the same clip played backwards the same output.

    Args:
        num_directions: number of direction classes.
        channels: output channels ``(c1, c2)`` of the two convolutions.

    Shape:
        - Input: :math:`(N, 1, T, H, W)`.
        - Output: :math:`(N, \text{num\_directions})` (logits).

    Examples::

        >>> net = PerFrame2DNet(4)
        >>> x = torch.rand(2, 1, 8, 24, 24)
        >>> net(x).shape
        torch.Size([2, 4])
        >>> torch.allclose(net(x), net(x.flip(2)), atol=1e-6)  # backwards in time: same output
        True
        >>> count_parameters(net)  # (9+1)*8 + (8*9+1)*16 + (16+1)*4
        1316
    """

    def __init__(self, num_directions: int = 4, channels=(8, 16)):
        super().__init__()
        num_directions = _check_directions(num_directions)
        c1, c2 = _check_channels(channels)
        self.features = nn.Sequential(
            nn.Conv2d(1, c1, kernel_size=3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(c1, c2, kernel_size=3, padding=1),
            nn.ReLU(),
            nn.AdaptiveMaxPool2d(1),
            nn.Flatten(),
        )
        self.head = nn.Linear(c2, num_directions)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 5:
            raise ValueError(f"input must have shape (N, C, T, H, W), got {tuple(x.shape)}")
        n, c, t, h, w = x.shape
        frames = x.transpose(1, 2).reshape(n * t, c, h, w)  # every frame on its own
        per_frame = self.features(frames).reshape(n, t, -1)
        return self.head(per_frame.mean(dim=1))


def count_parameters(model: nn.Module) -> int:
    """Number of trainable parameters of ``model``.

    Examples::

        >>> count_parameters(nn.Conv3d(3, 64, 3))  # 64 * 3 * 27 + 64
        5248
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


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


def training_step_seconds(
    model: nn.Module, x, y, *, batch_size: int = 32, lr: float = 3e-3, steps: int = 5, seed: int = 0
) -> float:
    """Wall-clock seconds of one training step of ``model``: the fastest of ``steps`` timed steps.

    One step is what :func:`train_clip_classifier` does per batch (forward, cross-entropy,
    backward, an Adam step) on ``batch_size`` clips of ``x``. The steps run on a deep copy of
    ``model``, after one untimed warm-up step, so ``model`` itself is left unchanged. Timing two
    models this way in the same process compares their cost on the same machine: a grader can
    allow a multiple of a reference model's step time instead of a fixed number of seconds,
    which a slow or busy machine would turn against an honest answer.

    Args:
        model: maps ``(N, C, T, H, W)`` float32 clips to ``(N, classes)`` logits.
        x: clips, array of shape ``(N, C, T, H, W)``.
        y: int labels, shape ``(N,)``.
        batch_size, lr: as in :func:`train_clip_classifier`.
        steps: number of timed steps (the minimum is returned: it is the least disturbed by
            other programs).
        seed: seed of the batch draw.

    Returns:
        float, seconds.

    Examples::

        >>> x, y = np.zeros((8, 1, 4, 6, 6), dtype=np.float32), np.arange(8) % 4
        >>> net = Motion3DNet(4)
        >>> before = [p.clone() for p in net.parameters()]
        >>> training_step_seconds(net, x, y, batch_size=4, steps=2) > 0
        True
        >>> all(torch.equal(a, b) for a, b in zip(before, net.parameters()))  # model unchanged
        True
    """
    batch_size, steps = positive_int(batch_size, "batch_size"), positive_int(steps, "steps")
    if not lr > 0:
        raise ValueError(f"lr must be positive, got {lr!r}")
    x, y = _as_tensors(x, y)
    model = copy.deepcopy(model)
    model.train()
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    gen = torch.Generator().manual_seed(int(seed))
    times = []
    for i in range(int(steps) + 1):
        idx = torch.randint(0, len(x), (int(batch_size),), generator=gen)
        start = time.perf_counter()
        optimizer.zero_grad()
        nn.functional.cross_entropy(model(x[idx]), y[idx]).backward()
        optimizer.step()
        if i:  # step 0 is the warm-up
            times.append(time.perf_counter() - start)
    return min(times)
