"""Two small classifiers for the moving-digit clips of :mod:`convkit.data.clips`.

:class:`Motion3DNet` convolves over time and space together (``nn.Conv3d``), so a
kernel sees the same place in consecutive frames and can respond to motion.
:class:`PerFrame2DNet` runs the same kind of 2D network on every frame on its own
and averages the per-frame features over time before a linear read-out: it never
compares one frame with the next. This module imports PyTorch; ``import convkit``
does not load it.
"""

from __future__ import annotations

import torch
from torch import nn

from convkit._validation import int_at_least, positive_int
from convkit.training.clips import clip_accuracy, train_clip_classifier

__all__ = [
    "Motion3DNet",
    "PerFrame2DNet",
    "clip_accuracy",
    "count_parameters",
    "train_clip_classifier",
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
