r"""The course's own "pretrained" network: LeNet-5 trained on the 4,000 MNIST training digits.

Practitioners start from networks pretrained on ImageNet (``torchvision.models``, ``timm``);
this course never downloads weights, so chapter 12 pretrains its own network on the
course's real MNIST digits and reuses it on another data set.

:func:`load_pretrained` returns the network, training it the first time (about ten seconds
on one CPU core) and caching the weights on disk. The cache folder is

1. ``$CONVKIT_CACHE`` if that variable is set and not empty, else
2. ``$XDG_CACHE_HOME/convkit`` if ``XDG_CACHE_HOME`` is set, else
3. ``~/.cache/convkit``.

It is never committed and never downloaded. The file name holds a hash of the training
configuration, the torch version and the version of this training code
(:func:`cache_key`), so a cache made by other settings or another torch is never reused:
a different key is a different file. Delete the folder to free the space.

From the command line, ``python -m convkit.training.pretrain`` trains (if needed) and prints where
the weights are; ``--force`` retrains.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import numbers
import os
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

__all__ = [
    "PretrainConfig",
    "ARCHITECTURES",
    "build_network",
    "cache_dir",
    "cache_key",
    "cache_path",
    "pretrain",
    "load_pretrained",
    "main",
]

# Bump when the training code below changes in a way that changes the weights.
TRAINING_CODE_VERSION = 1

ARCHITECTURES = ("lenet5-modern", "lenet5-original")


@dataclass(frozen=True)
class PretrainConfig:
    r"""How the pretrained network is trained: every field goes into the cache key.

    Attributes:
        arch (str): ``"lenet5-modern"`` (ReLU, max pooling) or ``"lenet5-original"``. Default:
            "lenet5-modern"
        epochs (int): passes over the 4,000 training digits. Default: 10
        batch_size (int): Default: 32
        lr (float): Adam's learning rate. Default: 0.002
        seed (int): seeds the initial weights and the batch order. Default: 0
        threads (int): CPU threads while training; with one thread the same configuration
            gives bit-identical weights on every run. Default: 1

    Examples::

        >>> PretrainConfig().arch, PretrainConfig(epochs=2).epochs
        ('lenet5-modern', 2)
        >>> PretrainConfig(epochs=0)
        Traceback (most recent call last):
        ...
        ValueError: epochs must be a positive int, got 0
    """

    arch: str = "lenet5-modern"
    epochs: int = 10
    batch_size: int = 32
    lr: float = 2e-3
    seed: int = 0
    threads: int = 1

    def __post_init__(self):
        if self.arch not in ARCHITECTURES:
            raise ValueError(f"arch must be one of {ARCHITECTURES}, got {self.arch!r}")
        for name, minimum in (("epochs", 1), ("batch_size", 1), ("seed", 0), ("threads", 1)):
            value = getattr(self, name)
            if (
                isinstance(value, bool)
                or not isinstance(value, numbers.Integral)
                or value < minimum
            ):
                kind = "positive" if minimum else "non-negative"
                raise ValueError(f"{name} must be a {kind} int, got {value!r}")
        if (
            isinstance(self.lr, bool)
            or not isinstance(self.lr, numbers.Real)
            or not 0 < float(self.lr) < float("inf")
        ):
            raise ValueError(f"lr must be a positive number, got {self.lr!r}")

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


def build_network(arch: str = "lenet5-modern", num_classes: int = 10) -> nn.Sequential:
    r"""The untrained network, as a plain :class:`~torch.nn.Sequential` of LeNet-5's 12 layers.

    The layers are those of :class:`convkit.models.LeNet5` (indices 0-11; the head is layer
    11), in a plain ``nn.Sequential`` so that slicing (``net[:6]``) returns a working network.

    Shape:
        - Input: :math:`(N, 1, 28, 28)`
        - Output: :math:`(N, \text{num\_classes})`

    Examples::

        >>> net = build_network()
        >>> type(net).__name__, len(net), net[11]
        ('Sequential', 12, Linear(in_features=84, out_features=10, bias=True))
        >>> net[:6](torch.zeros(1, 1, 28, 28)).shape
        torch.Size([1, 16, 5, 5])
    """
    from convkit.models import LeNet5

    if arch not in ARCHITECTURES:
        raise ValueError(f"arch must be one of {ARCHITECTURES}, got {arch!r}")
    return nn.Sequential(*LeNet5(arch.split("-")[1], num_classes=num_classes))


def cache_dir() -> Path:
    r"""The folder that holds cached weights (see the module docstring); not created here.

    Examples::

        >>> import os
        >>> old = os.environ.get("CONVKIT_CACHE")
        >>> os.environ["CONVKIT_CACHE"] = "/tmp/my-cache"
        >>> str(cache_dir())
        '/tmp/my-cache'
        >>> _ = (os.environ.pop("CONVKIT_CACHE") if old is None
        ...      else os.environ.update(CONVKIT_CACHE=old))
    """
    env = os.environ.get("CONVKIT_CACHE", "")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "convkit"


def cache_key(config: PretrainConfig, torch_version: str | None = None) -> str:
    r"""16 hex digits of a SHA-256 over the configuration, the torch version and the training code
    version.

    Examples::

        >>> a = cache_key(PretrainConfig(), "2.13.0")
        >>> len(a), a == cache_key(PretrainConfig(), "2.13.0")
        (16, True)
        >>> (a == cache_key(PretrainConfig(epochs=11), "2.13.0"),
        ...  a == cache_key(PretrainConfig(), "2.14.0"))
        (False, False)
    """
    if not isinstance(config, PretrainConfig):
        raise TypeError(f"config must be a PretrainConfig, got {type(config).__name__}")
    payload = {
        "config": config.as_dict(),
        "torch": torch.__version__ if torch_version is None else str(torch_version),
        "code": TRAINING_CODE_VERSION,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:16]


def cache_path(config: PretrainConfig | None = None, directory=None) -> Path:
    r"""Where the weights of ``config`` are cached: ``<cache_dir>/pretrained-<arch>-<key>.pt``.

    Examples::

        >>> p = cache_path(PretrainConfig(), "/tmp/c")
        >>> p.parent.as_posix(), p.name.startswith("pretrained-lenet5-modern-"), p.suffix
        ('/tmp/c', True, '.pt')
    """
    config = PretrainConfig() if config is None else config
    folder = cache_dir() if directory is None else Path(directory)
    return folder / f"pretrained-{config.arch}-{cache_key(config)}.pt"


def pretrain(
    config: PretrainConfig | None = None, *, progress: bool = False
) -> tuple[nn.Sequential, dict]:
    r"""Train the network of ``config`` on the 4,000 MNIST training digits, on the CPU.

    Adam, cross-entropy, shuffled mini-batches; the initial weights and the batch order come
    from ``config.seed``. The 1,000 held-out MNIST test digits are used once, after
    training, to report the accuracy. Torch's thread count is set to ``config.threads`` for
    the run and restored afterwards.

    Returns:
        ``(model, info)``: the trained network (evaluation mode) and a dict with
        ``config``, ``torch_version``, ``mnist_test_accuracy``, ``final_train_loss`` and
        ``train_seconds``.

    Examples::

        >>> net, info = pretrain(PretrainConfig(epochs=1))
        >>> info["mnist_test_accuracy"] > 0.8
        True
        >>> sorted(info)
        ['config', 'final_train_loss', 'mnist_test_accuracy', 'torch_version', 'train_seconds']
    """
    from convkit.data import mnist_split
    from convkit.training.train import evaluate, fit

    config = PretrainConfig() if config is None else config
    if not isinstance(config, PretrainConfig):
        raise TypeError(f"config must be a PretrainConfig or None, got {type(config).__name__}")
    threads = torch.get_num_threads()
    torch.set_num_threads(config.threads)
    try:
        torch.manual_seed(config.seed)
        model = build_network(config.arch)
        x, y = mnist_split("train")
        data = torch.utils.data.TensorDataset(torch.from_numpy(x).unsqueeze(1), torch.from_numpy(y))
        loader = torch.utils.data.DataLoader(
            data,
            batch_size=config.batch_size,
            shuffle=True,
            generator=torch.Generator().manual_seed(config.seed),
        )
        start = time.perf_counter()
        history = fit(
            model, loader, epochs=config.epochs, lr=config.lr, device="cpu", progress=progress
        )
        seconds = time.perf_counter() - start
        xt, yt = mnist_split("test")
        test = [(torch.from_numpy(xt).unsqueeze(1), torch.from_numpy(yt))]
        accuracy = evaluate(model, test, "cpu").accuracy
    finally:
        torch.set_num_threads(threads)
    info = {
        "config": config.as_dict(),
        "torch_version": torch.__version__,
        "mnist_test_accuracy": float(accuracy),
        "final_train_loss": float(history.train_loss[-1]),
        "train_seconds": float(seconds),
    }
    return model.eval(), info


def _save(path: Path, model: nn.Module, info: dict, key: str) -> None:
    """Write atomically: a reader never sees half a file, two writers never mix theirs."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save({"key": key, "info": json.dumps(info), "state_dict": model.state_dict()}, f)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _load(path: Path, key: str, arch: str):
    """The cached (model, info), or None when the file is missing, unreadable or made for another
    key."""
    if not path.is_file():
        return None
    try:
        blob = torch.load(path, map_location="cpu", weights_only=True)
        if not isinstance(blob, dict) or blob.get("key") != key:
            return None
        info = json.loads(blob["info"])
        model = build_network(arch)
        model.load_state_dict(blob["state_dict"])
    except Exception as err:  # a truncated or foreign file: train again
        warnings.warn(f"ignoring unreadable cache file {path}: {err}", RuntimeWarning, stacklevel=3)
        return None
    return model.eval(), info


def load_pretrained(
    config: PretrainConfig | None = None,
    *,
    directory=None,
    retrain: bool = False,
    verbose: bool = False,
) -> tuple[nn.Sequential, dict]:
    r"""The pretrained network: from the cache when it is there, else trained now and cached.

    Args:
        config (PretrainConfig, optional): the training configuration. Default: ``PretrainConfig()``
        directory (str or Path, optional): cache folder; default :func:`cache_dir`.
        retrain (bool): train even if a cached file exists, and overwrite it.
        verbose (bool): print whether the weights were loaded or trained.

    Returns:
        ``(model, info)``: the network in evaluation mode (a plain ``nn.Sequential``, see
        :func:`build_network`) and the dict of :func:`pretrain` plus ``path`` and
        ``from_cache`` (``True`` when the weights were read from disk). If the cache folder
        cannot be written, the trained network is returned anyway, with a warning.

    Examples::

        >>> import tempfile
        >>> folder = tempfile.mkdtemp()
        >>> net, info = load_pretrained(PretrainConfig(epochs=1), directory=folder)  # trains
        >>> net2, info2 = load_pretrained(PretrainConfig(epochs=1),
        ...     directory=folder)  # reads the file
        >>> info["from_cache"], info2["from_cache"], bool(torch.equal(net[0].weight,
        ...     net2[0].weight))
        (False, True, True)
    """
    config = PretrainConfig() if config is None else config
    if not isinstance(config, PretrainConfig):
        raise TypeError(f"config must be a PretrainConfig or None, got {type(config).__name__}")
    key = cache_key(config)
    path = cache_path(config, directory)
    cached = None if retrain else _load(path, key, config.arch)
    if cached is not None:
        model, info = cached
        info.update(path=str(path), from_cache=True)
        if verbose:
            print(f"loaded the pretrained {config.arch} from {path}")
        return model, info
    if verbose:
        print(f"training {config.arch} on the 4,000 MNIST training digits (cache: {path}) ...")
    model, info = pretrain(config)
    try:
        _save(path, model, info, key)
    except OSError as err:
        warnings.warn(
            f"could not cache the pretrained weights in {path}: {err}", RuntimeWarning, stacklevel=2
        )
    info = dict(info, path=str(path), from_cache=False)
    if verbose:
        print(f"trained in {info['train_seconds']:.1f} s, saved to {path}")
    return model, info


def main(argv=None) -> int:
    """``python -m convkit.training.pretrain [--force] [--cache-dir DIR] [--epochs N]``: make the
    cached weights."""
    parser = argparse.ArgumentParser(
        prog="python -m convkit.training.pretrain", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--force", action="store_true", help="retrain even if the weights are cached"
    )
    parser.add_argument(
        "--cache-dir",
        default=None,
        help="cache folder (default: $CONVKIT_CACHE or ~/.cache/convkit)",
    )
    parser.add_argument(
        "--epochs",
        type=int,
        default=PretrainConfig.epochs,
        help="training epochs (default: %(default)s)",
    )
    args = parser.parse_args(argv)
    config = PretrainConfig(epochs=args.epochs)
    _, info = load_pretrained(config, directory=args.cache_dir, retrain=args.force, verbose=True)
    print(f"MNIST test accuracy {info['mnist_test_accuracy']:.2%} (1,000 held-out digits)")
    print(info["path"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
