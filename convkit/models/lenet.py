"""LeNet-5 (LeCun et al., 1998) in its original form and with today's activation and pooling."""

from __future__ import annotations

import time

import numpy as np
import torch
from torch import nn

from convkit._validation import positive_int
from convkit.models.utils import NamedSequential

__all__ = ["LeNet5", "reference_training_seconds"]


class LeNet5(NamedSequential):
    r"""LeNet-5 for 28x28 images: two convolution blocks, then three fully connected layers.

    ============  ===========================================  ===================
    layer         ``variant="original"``                       output (28x28 in)
    ============  ===========================================  ===================
    0 conv        ``Conv2d(in_channels, 6, 5, padding=2)``     6 x 28 x 28
    1-2           Sigmoid, ``AvgPool2d(2)``                    6 x 14 x 14
    3 conv        ``Conv2d(6, 16, 5)``                         16 x 10 x 10
    4-5           Sigmoid, ``AvgPool2d(2)``                    16 x 5 x 5
    6 flatten     ``Flatten()``                                400
    7-8           ``Linear(400, 120)``, Sigmoid                120
    9-10          ``Linear(120, 84)``, Sigmoid                 84
    11            ``Linear(84, num_classes)``                  num_classes
    ============  ===========================================  ===================

    ``variant="modern"`` replaces every Sigmoid by ReLU and every average pool by
    a max pool, and is otherwise identical (same layers, same indices, same
    parameter count). The padding of 2 on the first convolution turns a 28x28
    MNIST digit into the 32x32 input of the 1998 network.

    Args:
        variant (str): ``"original"`` (sigmoid + average pooling) or ``"modern"``
            (ReLU + max pooling). Default: ``"original"``
        in_channels (int): input channels. Default: 1
        num_classes (int): outputs of the last layer. Default: 10

    Shape:
        - Input: :math:`(N, C_{in}, 28, 28)`
        - Output: :math:`(N, \text{num\_classes})`

    The number of parameters is

    .. math::
        (25 \cdot 6\, C_{in} + 6) + (25 \cdot 6 \cdot 16 + 16) + (400 \cdot 120 + 120)
        + (120 \cdot 84 + 84) + (84 + 1)\, \text{num\_classes},

    i.e. 61,706 for one input channel and ten classes.

    Examples::

        >>> import torch
        >>> net = LeNet5("modern")
        >>> net(torch.zeros(2, 1, 28, 28)).shape
        torch.Size([2, 10])
        >>> sum(p.numel() for p in net.parameters())
        61706
        >>> type(LeNet5()[1]).__name__, type(LeNet5("modern")[2]).__name__
        ('Sigmoid', 'MaxPool2d')
    """

    VARIANTS = ("original", "modern")

    def __init__(self, variant: str = "original", in_channels: int = 1, num_classes: int = 10):
        if variant not in self.VARIANTS:
            raise ValueError(f"variant must be 'original' or 'modern', got {variant!r}")
        in_channels = positive_int(in_channels, "in_channels")
        num_classes = positive_int(num_classes, "num_classes")
        act = nn.Sigmoid if variant == "original" else nn.ReLU
        pool = nn.AvgPool2d if variant == "original" else nn.MaxPool2d
        super().__init__(
            nn.Conv2d(in_channels, 6, kernel_size=5, padding=2), act(),
            pool(kernel_size=2, stride=2),
            nn.Conv2d(6, 16, kernel_size=5), act(),
            pool(kernel_size=2, stride=2),
            nn.Flatten(),
            nn.Linear(16 * 5 * 5, 120), act(),
            nn.Linear(120, 84), act(),
            nn.Linear(84, num_classes),
        )  # fmt: skip
        self.variant = variant
        self.in_channels = in_channels
        self.num_classes = num_classes

    def extra_repr(self) -> str:
        return f"variant={self.variant!r}"


def reference_training_seconds(
    images, labels, *, epochs: int = 1, batch_size: int = 32, seed: int = 0
) -> float:
    """CPU seconds that ``epochs`` epochs of the course's reference LeNet-5 training take here.

    The reference recipe of exercise 09: a fresh ``LeNet5("modern")`` (seeded with ``seed``),
    Adam at learning rate 0.002, cross-entropy, shuffled mini-batches of ``batch_size``. The time is
    ``time.process_time()``, the CPU time of this process, on whatever number of threads torch is
    set to. A grader that allows a multiple of this time, measured in the same kernel, treats a
    student on a slow machine as fairly as one on a fast machine.

    Args:
        images: float array of shape ``(N, 28, 28)``.
        labels: int array of shape ``(N,)``.
        epochs, batch_size: how much of the reference training to time.
        seed: seed of the weights and of the batch order.

    Returns:
        float, CPU seconds.

    Examples::

        >>> x, y = np.zeros((64, 28, 28), dtype=np.float32), np.arange(64) % 10
        >>> reference_training_seconds(x, y, epochs=1, batch_size=32) > 0
        True
    """
    for name, value in (("epochs", epochs), ("batch_size", batch_size)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive int, got {value!r}")
    x = torch.from_numpy(np.asarray(images, dtype=np.float32)).unsqueeze(1)
    y = torch.from_numpy(np.asarray(labels, dtype=np.int64))
    if x.dim() != 4 or y.shape != (x.shape[0],):
        raise ValueError(
            "images must be (N, 28, 28) and labels (N,), "
            f"got {tuple(images.shape)} and {tuple(y.shape)}"
        )
    gen = torch.Generator().manual_seed(seed)
    with torch.random.fork_rng():  # leave the caller's random state as it was
        torch.manual_seed(seed)
        model = LeNet5("modern")
    optimizer = torch.optim.Adam(model.parameters(), lr=2e-3)
    model.train()
    start = time.process_time()
    for _ in range(epochs):
        order = torch.randperm(len(x), generator=gen)
        for i in range(0, len(x), batch_size):
            idx = order[i : i + batch_size]
            optimizer.zero_grad()
            nn.functional.cross_entropy(model(x[idx]), y[idx]).backward()
            optimizer.step()
    return time.process_time() - start
