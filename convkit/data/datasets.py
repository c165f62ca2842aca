"""PyTorch datasets and loaders over the course's offline data.

This module imports torch; ``import convkit`` and ``import convkit.data`` do
not. Import it explicitly (``from convkit.data.datasets import mnist_loaders``)
or reach its names through ``convkit.data``, which loads it on first use.
"""

from __future__ import annotations

import numbers

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset, TensorDataset

from convkit.data.mnist import mnist_split, mnist_train_val


def _images_to_tensor(images) -> torch.Tensor:
    arr = np.asarray(images)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"images must hold real numbers, got dtype {arr.dtype}")
    if arr.ndim == 3:  # (N, H, W): one grey channel
        arr = arr[:, None]
    if arr.ndim != 4:
        raise ValueError(f"images must have shape (N, H, W) or (N, C, H, W), got {arr.shape}")
    return torch.from_numpy(np.ascontiguousarray(arr, dtype=np.float32))


def _labels_to_tensor(labels, n: int) -> torch.Tensor:
    arr = np.asarray(labels)
    if arr.dtype.kind not in "iu" or arr.ndim != 1:
        raise TypeError(
            f"labels must be a 1-D integer array, got dtype {arr.dtype} and shape {arr.shape}"
        )
    if len(arr) != n:
        raise ValueError(f"labels has {len(arr)} entries but images has {n}")
    return torch.from_numpy(arr.astype(np.int64))


def to_tensor_dataset(images, labels) -> TensorDataset:
    """Wrap numpy images and labels as a :class:`~torch.utils.data.TensorDataset`.

    Args:
        images: array ``(N, H, W)`` (a grey channel axis is added) or ``(N, C, H, W)``.
        labels: integer array ``(N,)``.

    Shape:
        - items: ``(x, y)`` with ``x`` float32 of shape :math:`(C, H, W)` and ``y`` an int64 scalar.

    Examples::

        >>> ds = to_tensor_dataset(np.zeros((5, 28, 28)), np.arange(5))
        >>> x, y = ds[3]
        >>> tuple(x.shape), x.dtype, int(y)
        ((1, 28, 28), torch.float32, 3)
    """
    x = _images_to_tensor(images)
    return TensorDataset(x, _labels_to_tensor(labels, len(x)))


class ArrayDataset(Dataset):
    """A dataset over numpy images that applies ``transform`` to each item on the fly.

    Use it when every epoch should see a freshly augmented copy of the images
    (a :class:`~torch.utils.data.TensorDataset` returns the same tensors each time).

    Args:
        images: array ``(N, H, W)`` or ``(N, C, H, W)``.
        labels: integer array ``(N,)``.
        transform: optional callable ``x -> x`` applied to each float32 tensor of
            shape ``(C, H, W)``.

    Examples::

        >>> ds = ArrayDataset(np.ones((4, 8, 8)), [0, 1, 2, 3], transform=lambda x: 2 * x)
        >>> x, y = ds[1]
        >>> tuple(x.shape), float(x.max()), int(y), len(ds)
        ((1, 8, 8), 2.0, 1, 4)
    """

    def __init__(self, images, labels, transform=None):
        if transform is not None and not callable(transform):
            raise TypeError(f"transform must be callable or None, got {type(transform).__name__}")
        self.images = _images_to_tensor(images)
        self.labels = _labels_to_tensor(labels, len(self.images))
        self.transform = transform

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, index):
        x = self.images[index]
        if self.transform is not None:
            x = self.transform(x)
        return x, self.labels[index]


class RandomShift:
    """Translate an image by a random whole number of pixels, filling the uncovered border with
    zeros.

    The shift ``(dy, dx)`` is drawn uniformly from ``{-max_shift, ..., max_shift}``
    for each axis (each call draws anew from torch's global generator, so
    :func:`convkit.training.train.seed_everything` makes it repeatable). It is the
    "random crop of a zero-padded image" augmentation, and leaves the label of a
    digit unchanged, unlike a horizontal flip.

    Args:
        max_shift (int): largest shift in pixels along each axis. Default: 2

    Shape:
        - Input: :math:`(*, H, W)`; Output: the same.

    Examples::

        >>> x = torch.zeros(1, 5, 5); x[0, 2, 2] = 1.0
        >>> _ = torch.manual_seed(0)
        >>> y = RandomShift(2)(x)
        >>> y.shape == x.shape, float(y.sum())   # the single bright pixel stays inside
        (True, 1.0)
    """

    def __init__(self, max_shift: int = 2):
        if (
            isinstance(max_shift, bool)
            or not isinstance(max_shift, numbers.Integral)
            or max_shift < 0
        ):
            raise ValueError(f"max_shift must be a non-negative int, got {max_shift!r}")
        self.max_shift: int = int(max_shift)

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        m = self.max_shift
        dy, dx = torch.randint(-m, m + 1, (2,)).tolist()
        return shift_image(x, dy, dx)

    def __repr__(self) -> str:
        return f"RandomShift(max_shift={self.max_shift})"


def shift_image(x: torch.Tensor, dy: int, dx: int) -> torch.Tensor:
    """Move the content of ``x`` down by ``dy`` and right by ``dx`` pixels (negative: up/left), zero
    fill.

    Examples::

        >>> shift_image(torch.arange(1.0, 5.0).reshape(2, 2), 1, 0)
        tensor([[0., 0.],
                [1., 2.]])
    """
    if x.dim() < 2:
        raise ValueError(f"x must have at least 2 dimensions (H, W), got shape {tuple(x.shape)}")
    h, w = x.shape[-2:]
    out = torch.zeros_like(x)
    if abs(dy) >= h or abs(dx) >= w:
        return out
    out[..., max(dy, 0) : h + min(dy, 0), max(dx, 0) : w + min(dx, 0)] = x[
        ..., max(-dy, 0) : h + min(-dy, 0), max(-dx, 0) : w + min(-dx, 0)
    ]
    return out


def mnist_datasets(val_size=500, seed: int = 0, train_transform=None):
    """The course's MNIST digits as ``(train, val, test)`` datasets.

    ``train`` + ``val`` are the 4,000 training digits, split by
    :func:`convkit.data.mnist_train_val`; ``test`` is the 1,000 held-out digits.
    With ``val_size=0``, ``val`` is ``None`` and ``train`` holds all 4,000.
    With a ``train_transform`` (e.g. :class:`RandomShift`), ``train`` is an
    :class:`ArrayDataset` that applies it on the fly; validation and test
    digits are never transformed.

    Examples::

        >>> train, val, test = mnist_datasets(500)
        >>> len(train), len(val), len(test)
        (3500, 500, 1000)
    """
    if isinstance(val_size, numbers.Real) and not isinstance(val_size, bool) and val_size == 0:
        (xt, yt), val = mnist_split("train"), None
    else:
        (xt, yt), (xv, yv) = mnist_train_val(val_size, seed=seed)
        val = to_tensor_dataset(xv, yv)
    train = (
        to_tensor_dataset(xt, yt)
        if train_transform is None
        else ArrayDataset(xt, yt, train_transform)
    )
    return train, val, to_tensor_dataset(*mnist_split("test"))


def mnist_loaders(
    batch_size: int = 64,
    val_size=500,
    seed: int = 0,
    eval_batch_size: int = 500,
    train_transform=None,
):
    """Data loaders ``(train, val, test)`` over :func:`mnist_datasets`.

    The training loader reshuffles every epoch with its own generator seeded by
    ``seed``, so the order of the batches is reproducible whatever else draws
    random numbers.

    Examples::

        >>> train, val, test = mnist_loaders(batch_size=100)
        >>> x, y = next(iter(train))
        >>> tuple(x.shape), tuple(y.shape), len(train)
        ((100, 1, 28, 28), (100,), 35)
    """
    if (
        isinstance(batch_size, bool)
        or not isinstance(batch_size, numbers.Integral)
        or batch_size < 1
    ):
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
    train, val, test = mnist_datasets(val_size, seed=seed, train_transform=train_transform)
    gen = torch.Generator().manual_seed(seed)
    train_loader = DataLoader(train, batch_size=batch_size, shuffle=True, generator=gen)
    val_loader = None if val is None else DataLoader(val, batch_size=eval_batch_size)
    return train_loader, val_loader, DataLoader(test, batch_size=eval_batch_size)
