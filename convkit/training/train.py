"""A small, honest training loop shared by the training chapters.

:func:`fit` trains a classifier for a number of epochs and returns a
:class:`History` of per-epoch losses, accuracies and times; :func:`evaluate`
measures a model on a loader. On a CUDA device both use mixed precision
(:class:`torch.autocast` with a :class:`torch.amp.GradScaler`) and the
``channels_last`` memory format by default; on the CPU both are off, so the
default CPU run is plain float32.

This module imports torch: ``import convkit`` does not import it.
"""

from __future__ import annotations

import math
import numbers
import os
import random
import time
from collections import namedtuple
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

__all__ = ["pick_device", "seed_everything", "History", "Evaluation", "fit", "evaluate"]

Evaluation = namedtuple("Evaluation", ["loss", "accuracy"])
Evaluation.__doc__ = """Result of :func:`evaluate`: mean loss per sample and accuracy in [0, 1]."""


def pick_device() -> torch.device:
    """Return ``cuda`` when a CUDA GPU is present, else ``cpu``.

    Examples::

        >>> pick_device().type in ("cuda", "cpu")
        True
    """
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def seed_everything(seed: int, *, deterministic: bool = False) -> int:
    """Seed Python's, numpy's and torch's random generators (CPU and all GPUs).

    Args:
        seed: a non-negative int.
        deterministic: also ask torch for deterministic kernels
            (``torch.use_deterministic_algorithms``, cuDNN autotuning off). On the
            CPU the default kernels already repeat exactly for a fixed thread count.

    Returns:
        ``seed``.

    Examples::

        >>> _ = seed_everything(0); a = torch.rand(2)
        >>> _ = seed_everything(0); b = torch.rand(2)
        >>> torch.equal(a, b)
        True
    """
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    seed = int(seed)
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)
    if deterministic:
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
        torch.use_deterministic_algorithms(True)
        torch.backends.cudnn.benchmark = False
    return seed


@dataclass
class History:
    """Per-epoch record of a :func:`fit` run.

    Attributes:
        train_loss, train_acc: mean loss and accuracy over the training samples
            of each epoch, measured on the fly while the weights change.
        val_loss, val_acc: loss and accuracy on the validation loader after each
            epoch (``nan`` when there was none).
        epoch_time: wall-clock seconds of each epoch (training and validation).
        train_time: wall-clock seconds of the training part of each epoch.
        train_samples: number of training samples seen per epoch.
        device, amp, channels_last: how the run was made.
    """

    train_loss: list = field(default_factory=list)
    train_acc: list = field(default_factory=list)
    val_loss: list = field(default_factory=list)
    val_acc: list = field(default_factory=list)
    epoch_time: list = field(default_factory=list)
    train_time: list = field(default_factory=list)
    train_samples: int = 0
    device: str = "cpu"
    amp: bool = False
    channels_last: bool = False

    def __len__(self) -> int:
        return len(self.train_loss)

    @property
    def images_per_second(self) -> float:
        """Training throughput over all epochs (samples per second of training time)."""
        total = sum(self.train_time)
        return self.train_samples * len(self) / total if total > 0 else float("nan")

    def as_dict(self) -> dict:
        """The per-epoch lists, keyed by name (handy for ``pandas.DataFrame``)."""
        keys = ("train_loss", "train_acc", "val_loss", "val_acc", "epoch_time")
        return {k: list(getattr(self, k)) for k in keys}

    def table(self) -> str:
        """A plain-text table, one row per epoch.

        Examples::

            >>> h = History([0.9, 0.5], [0.7, 0.8], [0.6, 0.4], [0.75, 0.85], [1.0, 1.1])
            >>> print(h.table())
            epoch  train_loss  train_acc  val_loss  val_acc  time_s
                1      0.9000     0.7000    0.6000   0.7500     1.0
                2      0.5000     0.8000    0.4000   0.8500     1.1
        """
        lines = ["epoch  train_loss  train_acc  val_loss  val_acc  time_s"]
        for i in range(len(self)):
            lines.append(
                f"{i + 1:5d}  {self.train_loss[i]:10.4f}  {self.train_acc[i]:9.4f}  "
                f"{self.val_loss[i]:8.4f}  {self.val_acc[i]:7.4f}  {self.epoch_time[i]:6.1f}"
            )
        return "\n".join(lines)

    def plot(self, title: str | None = None):
        """Plot loss and accuracy curves side by side; return the matplotlib Figure.

        Examples::

            >>> fig = History([0.9, 0.5], [0.7, 0.8], [0.6, 0.4], [0.75, 0.85], [1.0, 1.1]).plot()
            >>> [ax.get_ylabel() for ax in fig.axes]
            ['loss', 'accuracy']
            >>> import matplotlib.pyplot as plt; plt.close(fig)
        """
        import matplotlib.pyplot as plt

        epochs = np.arange(1, len(self) + 1)
        fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(9, 3.2))
        ax_loss.plot(epochs, self.train_loss, "o-", label="train")
        ax_acc.plot(epochs, self.train_acc, "o-", label="train")
        if not all(math.isnan(v) for v in self.val_loss):
            ax_loss.plot(epochs, self.val_loss, "s--", label="validation")
            ax_acc.plot(epochs, self.val_acc, "s--", label="validation")
        for ax, name in ((ax_loss, "loss"), (ax_acc, "accuracy")):
            ax.set_xlabel("epoch")
            ax.set_ylabel(name)
            ax.grid(alpha=0.3)
            ax.legend()
            if len(self):
                ax.set_xticks(
                    epochs if len(self) <= 12 else np.linspace(1, len(self), 6).round().astype(int)
                )
        if title:
            fig.suptitle(title)
        fig.tight_layout()
        return fig


def _resolve_device(device) -> torch.device:
    if device is None:
        return pick_device()
    if isinstance(device, (str, torch.device)):
        return torch.device(device)
    raise TypeError(f"device must be None, a str or a torch.device, got {type(device).__name__}")


def _resolve_flag(value, default: bool, name: str) -> bool:
    if value is None:
        return default
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be None, True or False, got {value!r}")
    return bool(value)


def _to_device(x, device: torch.device, channels_last: bool):
    if channels_last and x.dim() == 4:
        return x.to(device, non_blocking=True, memory_format=torch.channels_last)
    return x.to(device, non_blocking=True)


def _autocast(device: torch.device, amp: bool):
    # float16 with loss scaling on CUDA; bfloat16 (no scaling needed) elsewhere.
    dtype = torch.float16 if device.type == "cuda" else torch.bfloat16
    return torch.autocast(device_type=device.type, dtype=dtype, enabled=amp)


def _batch_correct(output: torch.Tensor, target: torch.Tensor):
    """Correct predictions in a batch, or None when the targets are not class indices."""
    if output.dim() == 2 and target.dim() == 1 and not target.is_floating_point():
        return (output.argmax(dim=1) == target).sum()
    return None


def evaluate(
    model: nn.Module, loader, device=None, *, loss_fn=None, amp=None, channels_last=None
) -> Evaluation:
    """Mean loss and accuracy of ``model`` over ``loader``, in eval mode and without gradients.

    Args:
        model: a classifier returning logits of shape ``(N, classes)``.
        loader: an iterable of ``(inputs, targets)`` batches.
        device: where to run (``None``: :func:`pick_device`). The model is moved there.
        loss_fn: loss with ``reduction="mean"`` (default :class:`torch.nn.CrossEntropyLoss`).
        amp, channels_last: as in :func:`fit` (``None``: on for CUDA, off otherwise).

    Returns:
        ``Evaluation(loss, accuracy)``: the loss averaged over samples and the
        fraction of samples whose arg-max logit is the target (``nan`` if the
        targets are not class indices). The model's train/eval mode is restored.

    Examples::

        >>> model = nn.Linear(2, 2)
        >>> with torch.no_grad():
        ...     _ = model.weight.copy_(torch.eye(2)); _ = model.bias.zero_()
        >>> batches = [(torch.tensor([[1.0, 0.0], [0.0, 1.0], [2.0, 1.0]]),
        ...             torch.tensor([0, 1, 1]))]
        >>> evaluate(model, batches, "cpu").accuracy  # the third sample is misclassified
        0.6666666666666666
    """
    device = _resolve_device(device)
    amp = _resolve_flag(amp, device.type == "cuda", "amp")
    channels_last = _resolve_flag(channels_last, device.type == "cuda", "channels_last")
    loss_fn = nn.CrossEntropyLoss() if loss_fn is None else loss_fn
    was_training = model.training
    model.to(device)
    model.eval()
    total_loss = torch.zeros((), device=device, dtype=torch.float64)
    correct = torch.zeros((), device=device, dtype=torch.int64)
    count, countable = 0, True
    try:
        with torch.no_grad():
            for x, y in loader:
                x, y = _to_device(x, device, channels_last), y.to(device, non_blocking=True)
                with _autocast(device, amp):
                    out = model(x)
                    loss = loss_fn(out, y)
                n = len(x)
                total_loss += loss.detach().double() * n
                c = _batch_correct(out, y)
                if c is None:
                    countable = False
                else:
                    correct += c
                count += n
    finally:
        model.train(was_training)
    if count == 0:
        raise ValueError("loader yielded no samples")
    accuracy = correct.item() / count if countable else float("nan")
    return Evaluation(total_loss.item() / count, accuracy)


def fit(
    model: nn.Module,
    train_loader,
    val_loader=None,
    *,
    epochs: int,
    optimizer: torch.optim.Optimizer | None = None,
    lr: float = 1e-3,
    loss_fn=None,
    scheduler=None,
    device=None,
    progress: bool = True,
    amp: bool | None = None,
    channels_last: bool | None = None,
) -> History:
    """Train ``model`` for ``epochs`` passes over ``train_loader``.

    Args:
        model: the network (moved to ``device``; converted to channels_last if asked).
        train_loader: iterable of ``(inputs, targets)`` batches, re-iterated each epoch.
        val_loader: optional loader evaluated with :func:`evaluate` after each epoch.
        epochs: number of passes (a positive int).
        optimizer: an optimizer over ``model``'s parameters. Default:
            :class:`torch.optim.Adam` with learning rate ``lr``.
        lr: learning rate of the default optimizer (ignored when ``optimizer`` is given).
        loss_fn: loss with ``reduction="mean"``; default :class:`torch.nn.CrossEntropyLoss`.
        scheduler: optional learning-rate scheduler, stepped once after each epoch.
        device: ``None`` picks CUDA when present (:func:`pick_device`).
        progress: show a tqdm progress bar (off with ``False``).
        amp: mixed precision. ``None``: on for CUDA (float16 autocast + GradScaler),
            off on the CPU. ``True`` on the CPU uses bfloat16 autocast.
        channels_last: NHWC memory layout for 4-D inputs and the model.
            ``None``: on for CUDA, off on the CPU.

    Returns:
        A :class:`History`. Training loss and accuracy are averaged over the
        samples of each epoch while the weights change; validation numbers are
        measured after the epoch.

    Examples::

        >>> _ = seed_everything(0)
        >>> x = torch.randn(64, 2); y = (x[:, 0] > 0).long()
        >>> loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y),
        ...     batch_size=16)
        >>> h = fit(nn.Linear(2, 2), loader, loader, epochs=3, lr=0.1, progress=False)
        >>> len(h), h.train_loss[-1] < h.train_loss[0], h.device
        (3, True, 'cpu')
    """
    if isinstance(epochs, bool) or not isinstance(epochs, numbers.Integral) or epochs < 1:
        raise ValueError(f"epochs must be a positive int, got {epochs!r}")
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if optimizer is not None and not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(
            f"optimizer must be a torch.optim.Optimizer or None, got {type(optimizer).__name__}"
        )
    if isinstance(lr, bool) or not isinstance(lr, numbers.Real) or not lr > 0:
        raise ValueError(f"lr must be a positive number, got {lr!r}")
    device = _resolve_device(device)
    amp = _resolve_flag(amp, device.type == "cuda", "amp")
    channels_last = _resolve_flag(channels_last, device.type == "cuda", "channels_last")
    loss_fn = nn.CrossEntropyLoss() if loss_fn is None else loss_fn

    model.to(device)
    if channels_last:
        model.to(memory_format=torch.channels_last)
    if optimizer is None:
        optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    scaler = torch.amp.GradScaler(device.type, enabled=amp and device.type == "cuda")
    history = History(device=device.type, amp=amp, channels_last=channels_last)

    bar = None
    if progress:
        from tqdm import tqdm  # the plain text bar: no widgets in notebooks or books

        try:
            total = epochs * len(train_loader)
        except TypeError:
            total = None
        bar = tqdm(total=total, unit="batch", dynamic_ncols=True)
    try:
        for epoch in range(epochs):
            if bar is not None:
                bar.set_description(f"epoch {epoch + 1}/{epochs}")
            model.train()
            start = time.perf_counter()
            total_loss = torch.zeros((), device=device, dtype=torch.float64)
            correct = torch.zeros((), device=device, dtype=torch.int64)
            count, countable = 0, True
            for x, y in train_loader:
                x, y = _to_device(x, device, channels_last), y.to(device, non_blocking=True)
                optimizer.zero_grad(set_to_none=True)
                with _autocast(device, amp):
                    out = model(x)
                    loss = loss_fn(out, y)
                scaler.scale(loss).backward()
                scaler.step(optimizer)
                scaler.update()
                n = len(x)
                total_loss += loss.detach().double() * n
                c = _batch_correct(out.detach(), y)
                if c is None:
                    countable = False
                else:
                    correct += c
                count += n
                if bar is not None:
                    bar.update()
            if count == 0:
                raise ValueError("train_loader yielded no samples")
            train_loss = total_loss.item()  # one synchronisation per epoch
            train_time = time.perf_counter() - start
            history.train_loss.append(train_loss / count)
            history.train_acc.append(correct.item() / count if countable else float("nan"))
            history.train_time.append(train_time)
            history.train_samples = count
            if val_loader is not None:
                ev = evaluate(
                    model, val_loader, device, loss_fn=loss_fn, amp=amp, channels_last=channels_last
                )
            else:
                ev = Evaluation(float("nan"), float("nan"))
            history.val_loss.append(ev.loss)
            history.val_acc.append(ev.accuracy)
            history.epoch_time.append(time.perf_counter() - start)
            if scheduler is not None:
                scheduler.step()
            if bar is not None:
                post = {
                    "loss": f"{history.train_loss[-1]:.4f}",
                    "acc": f"{history.train_acc[-1]:.4f}",
                }
                if val_loader is not None:
                    post["val_acc"] = f"{ev.accuracy:.4f}"
                bar.set_postfix(post)
    finally:
        if bar is not None:
            bar.close()
    return history
