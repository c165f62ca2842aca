"""Real data that ships inside Python packages: nothing here downloads.

``import convkit.data`` loads numpy only. The torch datasets and loaders
(:mod:`convkit.data.datasets`) are imported on first use of one of their names.
"""

from convkit.data.files import load_cifar10, load_mnist_idx, read_idx
from convkit.data.images import PHOTO_NAMES, load_digits8, load_photo
from convkit.data.mnist import load_mnist_5k, mnist_split, mnist_train_val, stratified_split

_TORCH_NAMES = (
    "ArrayDataset",
    "RandomShift",
    "mnist_datasets",
    "mnist_loaders",
    "shift_image",
    "to_tensor_dataset",
)

__all__ = [
    "load_mnist_5k",
    "mnist_split",
    "mnist_train_val",
    "stratified_split",
    "load_digits8",
    "load_photo",
    "PHOTO_NAMES",
    "load_mnist_idx",
    "load_cifar10",
    "read_idx",
    *_TORCH_NAMES,
]


def __getattr__(name):
    # PEP 562: the torch-based helpers are imported only when first asked for.
    if name in _TORCH_NAMES:
        from convkit.data import datasets

        return getattr(datasets, name)
    raise AttributeError(f"module 'convkit.data' has no attribute {name!r}")
