r"""The few-label comparison of chapter 12: data framing, a labelled split, training, accuracy.

:func:`digits8_as_mnist` adapts scikit-learn's 8x8 digits to the 28x28 framing of MNIST, and
:func:`few_label_split`, :func:`train_few` and :func:`accuracy` run the chapter's few-label
comparison. These are the helpers the chapter-12 assignment hands out in its setup cell; the
reference answers (freeze, replace the head, parameter groups) live in
:mod:`convkit.training.transfer`, which the grading kernel does not see. Importing this module
loads torch.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from convkit._validation import nonnegative_int, positive_int, positive_real

__all__ = ["digits8_as_mnist", "few_label_split", "train_few", "accuracy"]


def _check_module(model, name: str = "model") -> nn.Module:
    if not isinstance(model, nn.Module):
        raise TypeError(f"{name} must be a torch.nn.Module, got {type(model).__name__}")
    return model


def digits8_as_mnist(images) -> np.ndarray:
    r"""Frame scikit-learn's 8x8 digits like MNIST: bilinear upsampling to 20x20, then 4 zero pixels
    around.

    MNIST digits were size-normalised into a 20x20 box and centred in a 28x28 image, so this
    puts an 8x8 digit where a network trained on MNIST expects strokes. Values stay in [0, 1].
    The resizing is :func:`convkit.interpolate` (``mode="bilinear"``, ``align_corners=False``).

    Args:
        images (ndarray): :math:`(N, 8, 8)` values in [0, 1] (:func:`convkit.data.load_digits8`).

    Shape:
        - Input: :math:`(N, 8, 8)`
        - Output: :math:`(N, 1, 28, 28)`, float32

    Examples::

        >>> out = digits8_as_mnist(np.ones((2, 8, 8), dtype=np.float32))
        >>> out.shape, float(out[0, 0, 14, 14]), float(out[0, 0, 0, 0])
        ((2, 1, 28, 28), 1.0, 0.0)
    """
    from convkit.functional.upsampling import interpolate

    images = np.asarray(images, dtype=np.float32)
    if images.ndim != 3 or images.shape[1:] != (8, 8):
        raise ValueError(f"images must have shape (N, 8, 8), got {images.shape}")
    up = interpolate(images[:, None], size=(20, 20), mode="bilinear", align_corners=False)
    return np.pad(up, ((0, 0), (0, 0), (4, 4), (4, 4))).astype(np.float32)


def few_label_split(labels, per_class: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Draw ``per_class`` labelled examples of every class; the rest is held out.

    Args:
        labels (ndarray): :math:`(N,)` integer labels.
        per_class (int): labelled examples per class (every class must have more).
        seed (int): seed of :func:`numpy.random.default_rng`. Default: 0

    Returns:
        ``(labelled, held_out)``: sorted, disjoint index arrays covering all ``N`` samples.

    Examples::

        >>> lab, rest = few_label_split(np.repeat(np.arange(3), 5), 2, seed=0)
        >>> len(lab), len(rest), np.bincount(np.repeat(np.arange(3), 5)[lab]).tolist()
        (6, 9, [2, 2, 2])
    """
    labels = np.asarray(labels)
    per_class = positive_int(per_class, "per_class")
    rng = np.random.default_rng(nonnegative_int(seed, "seed"))
    chosen = []
    for c in np.unique(labels):
        members = np.flatnonzero(labels == c)
        if len(members) <= per_class:
            raise ValueError(
                f"class {c} has {len(members)} samples, per_class must be smaller, got {per_class}"
            )
        chosen.append(rng.choice(members, size=per_class, replace=False))
    labelled = np.sort(np.concatenate(chosen))
    return labelled, np.setdiff1d(np.arange(len(labels)), labelled)


def train_few(
    model: nn.Module,
    images,
    labels,
    *,
    groups=None,
    lr: float = 1e-3,
    epochs: int = 60,
    batch_size: int = 20,
    seed: int = 0,
    device=None,
) -> nn.Module:
    """Train ``model`` with Adam and cross-entropy on a small labelled set (shuffled minibatches).

    Args:
        model (nn.Module): the network (trained in place, in train mode).
        images (ndarray): :math:`(N, 1, H, W)` float32.
        labels (ndarray): :math:`(N,)` integer labels.
        groups (list of dict, optional): optimizer parameter groups
            (:func:`convkit.training.transfer.param_groups`).
            Default: every trainable parameter at ``lr``.
        lr (float): learning rate when ``groups`` is ``None``. Default: 1e-3
        epochs (int): passes over the data. Default: 60
        batch_size (int): minibatch size. Default: 20
        seed (int): seeds the shuffling (a private generator). Default: 0
        device: where to train. Default: the device of the model's parameters.

    Returns:
        ``model``, in eval mode.
    """
    _check_module(model)
    epochs, batch_size = positive_int(epochs, "epochs"), positive_int(batch_size, "batch_size")
    if device is None:
        device = next(model.parameters()).device
    if groups is None:
        groups = [
            {
                "params": [p for p in model.parameters() if p.requires_grad],
                "lr": positive_real(lr, "lr"),
            }
        ]
    optimizer = torch.optim.Adam(groups)
    x = torch.as_tensor(np.asarray(images, dtype=np.float32)).to(device)
    y = torch.as_tensor(np.asarray(labels, dtype=np.int64)).to(device)
    gen = torch.Generator().manual_seed(nonnegative_int(seed, "seed"))
    model.train()
    for _ in range(epochs):
        order = torch.randperm(len(x), generator=gen).to(device)
        for start in range(0, len(x), batch_size):
            idx = order[start : start + batch_size]
            optimizer.zero_grad()
            nn.functional.cross_entropy(model(x[idx]), y[idx]).backward()
            optimizer.step()
    return model.eval()


@torch.no_grad()
def accuracy(model: nn.Module, images, labels, *, batch_size: int = 1024) -> float:
    """Fraction of ``images`` that ``model`` (in eval mode) classifies as ``labels``.

    Examples::

        >>> net = nn.Sequential(nn.Flatten(), nn.Linear(4, 2))
        >>> 0.0 <= accuracy(net, np.zeros((3, 1, 2, 2), dtype=np.float32),
        ...                    np.array([0, 1, 0])) <= 1.0
        True
    """
    _check_module(model)
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    x = torch.as_tensor(np.asarray(images, dtype=np.float32))
    y = np.asarray(labels)
    pred = torch.cat(
        [
            model(x[s : s + batch_size].to(device)).argmax(1).cpu()
            for s in range(0, len(x), batch_size)
        ]
    )
    model.train(was_training)
    return float(np.mean(pred.numpy() == y))
