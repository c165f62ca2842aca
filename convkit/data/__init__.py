"""Real data that ships inside Python packages: nothing here downloads."""

from convkit.data.mnist import load_mnist_5k, mnist_split

__all__ = ["load_mnist_5k", "mnist_split"]
