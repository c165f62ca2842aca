"""Readers for the full MNIST and CIFAR-10 files, for readers who already have them.

The course never downloads anything. These functions only read files that are
already on disk, in their original formats, and say exactly which files they
looked for when some are missing:

* MNIST: the four IDX files ``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``,
  ``t10k-images-idx3-ubyte``, ``t10k-labels-idx1-ubyte`` (plain or ``.gz``).
  An IDX file starts with the magic number ``0x00 0x00 <type> <ndim>`` (type
  ``0x08`` = unsigned byte), then ``ndim`` big-endian uint32 sizes, then the data.
* CIFAR-10 ("python version"): pickled dicts ``data_batch_1`` ... ``data_batch_5``
  and ``test_batch`` with ``b"data"`` (uint8, ``N x 3072``, the red, green and blue
  planes of each 32x32 image in turn) and ``b"labels"`` (list of ints).
"""

from __future__ import annotations

import gzip
import os
import pickle
from pathlib import Path

import numpy as np

_IDX_DTYPES: dict[int, np.dtype] = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_MNIST_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
_CIFAR_FILES = {
    "train": tuple(f"data_batch_{i}" for i in range(1, 6)),
    "test": ("test_batch",),
}


def _as_dir(directory, name: str = "directory") -> Path:
    if not isinstance(directory, (str, os.PathLike)):
        raise TypeError(f"{name} must be a str or os.PathLike, got {type(directory).__name__}")
    return Path(directory)


def read_idx(path) -> np.ndarray:
    """Read one IDX file (plain or gzip-compressed) into a numpy array.

    Args:
        path: path of the file.

    Returns:
        An array whose shape and dtype are the ones the file's header declares.

    Examples::

        >>> import tempfile, pathlib
        >>> f = pathlib.Path(tempfile.mkdtemp()) / "labels-idx1-ubyte"
        >>> _ = f.write_bytes(bytes([0, 0, 8, 1, 0, 0, 0, 3, 7, 2, 1]))
        >>> read_idx(f).tolist()
        [7, 2, 1]
    """
    path = _as_dir(path, "path")
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as fh:
        raw = fh.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_DTYPES:
        raise ValueError(f"{path} is not an IDX file (bad magic number {raw[:4].hex()})")
    dtype, ndim = _IDX_DTYPES[raw[2]], raw[3]
    header = 4 + 4 * ndim
    shape = tuple(int(s) for s in np.frombuffer(raw[4:header], dtype=">u4"))
    expected = int(np.prod(shape)) * dtype.itemsize
    if len(raw) - header != expected:
        raise ValueError(
            f"{path}: header declares shape {shape} ({expected} "
            f"bytes) but {len(raw) - header} bytes follow"
        )
    return np.frombuffer(raw[header:], dtype=dtype).reshape(shape).astype(dtype.newbyteorder("="))


def _find(directory: Path, name: str) -> Path | None:
    for candidate in (directory / name, directory / f"{name}.gz"):
        if candidate.is_file():
            return candidate
    return None


def load_mnist_idx(directory, split: str = "train") -> tuple[np.ndarray, np.ndarray]:
    """Read the full MNIST set from the original IDX files in ``directory``.

    Args:
        directory: folder holding the IDX files (plain or ``.gz``).
        split: ``"train"`` (60,000 digits) or ``"test"`` (10,000 digits).

    Returns:
        images: float32 array ``(N, 28, 28)`` in [0, 1]; labels: int64 array ``(N,)``.

    Raises:
        FileNotFoundError: naming the files that were expected and not found.
            Nothing is ever downloaded.

    Examples::

        >>> load_mnist_idx("/nonexistent")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        FileNotFoundError: load_mnist_idx found no train-images-idx3-ubyte[.gz], ...
    """
    directory = _as_dir(directory)
    if split not in _MNIST_FILES:
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    names = _MNIST_FILES[split]
    found = [_find(directory, n) for n in names]
    missing = [f"{n}[.gz]" for n, f in zip(names, found, strict=False) if f is None]
    if missing:
        raise FileNotFoundError(
            f"load_mnist_idx found no {', '.join(missing)} in {directory}; "
            "put the original MNIST IDX files there (this course never downloads data)"
        )
    images, labels = read_idx(found[0]), read_idx(found[1])
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
        raise ValueError(
            f"MNIST files in {directory} hold images {images.shape} and labels {labels.shape}"
        )
    return images.astype(np.float32) / 255.0, labels.astype(np.int64)


def load_cifar10(directory, split: str = "train") -> tuple[np.ndarray, np.ndarray]:
    """Read CIFAR-10 from the "python version" pickle batches in ``directory``.

    Args:
        directory: folder holding ``data_batch_1`` ... ``data_batch_5`` and
            ``test_batch`` (usually called ``cifar-10-batches-py``).
        split: ``"train"`` (the five data batches, 50,000 images) or ``"test"``
            (``test_batch``, 10,000 images).

    Returns:
        images: float32 array ``(N, 3, 32, 32)`` in [0, 1] (NCHW);
        labels: int64 array ``(N,)`` with values 0-9.

    Raises:
        FileNotFoundError: naming the batch files that were expected and not found.

    Examples::

        >>> load_cifar10("/nonexistent", "test")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        FileNotFoundError: load_cifar10 found no test_batch in /nonexistent...
    """
    directory = _as_dir(directory)
    if split not in _CIFAR_FILES:
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    names = _CIFAR_FILES[split]
    missing = [n for n in names if not (directory / n).is_file()]
    if missing:
        raise FileNotFoundError(
            f"load_cifar10 found no {', '.join(missing)} in {directory}; "
            "put the CIFAR-10 python-version batches there (this course never downloads data)"
        )
    images, labels = [], []
    for n in names:
        with open(directory / n, "rb") as fh:
            batch = pickle.load(fh, encoding="bytes")
        if not isinstance(batch, dict) or b"data" not in batch or b"labels" not in batch:
            raise ValueError(
                f"{directory / n} is not a CIFAR-10 batch "
                "(expected a dict with b'data' and b'labels')"
            )
        data = np.asarray(batch[b"data"], dtype=np.uint8)
        if data.ndim != 2 or data.shape[1] != 3 * 32 * 32 or len(batch[b"labels"]) != len(data):
            raise ValueError(
                f"{directory / n} holds data of shape "
                f"{data.shape} and {len(batch[b'labels'])} labels"
            )
        images.append(data.reshape(-1, 3, 32, 32))
        labels.append(np.asarray(batch[b"labels"], dtype=np.int64))
    return np.concatenate(images).astype(np.float32) / 255.0, np.concatenate(labels)
