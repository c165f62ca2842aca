r"""A fast training recipe for the course's digits (chapter 10), in the spirit of airbench.

airbench (Jordan, 2024) reaches 94% on CIFAR-10 in seconds not with a bigger network but
with a careful recipe. :func:`train_recipe` brings the same ingredients to 28x28 digits:

- a network shaped for CPU throughput, :class:`~convkit.models.fast.FastCNN` (max-pooling
  before batch normalisation and the ReLU, as airbench does), with batch normalisation
  and widths chosen for the budget;
- SGD with Nesterov momentum at a large learning rate, a linear warm-up and a linear
  decay to zero, stepped once per optimizer step;
- label smoothing;
- an exponential moving average (EMA) of the weights, which is the network evaluated;
- augmentation drawn per batch on the device (:func:`affine_batch`: small rotations,
  shifts and scalings, no per-image Python loop);
- test-time views (:func:`predict_proba`: the digit and copies moved by one pixel).

The work is fixed in advance (``epochs`` passes, so a known number of optimizer steps);
:func:`train_recipe` measures the CPU time it took (:func:`time.process_time`) but never
uses it to decide anything. The same code runs on CUDA (mixed precision and
``channels_last``) and on the CPU (float32, ``channels_last``, which is also faster there).

**How the defaults were chosen.** Every default of :func:`train_recipe` (network and widths,
batch size, learning rate and schedule, augmentation ranges, label smoothing, EMA decay,
epochs) was chosen on validation digits only: runs on the 3,500 digits of
``mnist_train_val(500, seed=s)`` scored on its 500 validation digits, several seeds
``s`` (so several validation splits) averaged, as ``benchmarks/ch10_recipe.py --val``
does. The 1,000 test digits of :func:`convkit.data.mnist_split` were never used to choose;
``benchmarks/ch10_recipe.py`` (without ``--val``) measures the chosen recipe on them once.

This module imports torch: ``import convkit`` does not import it.
"""

from __future__ import annotations

import copy
import math
import numbers
import time
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from convkit.models.fast import FastCNN
from convkit.models.small import SmallCNN
from convkit.training.train import pick_device, seed_everything

__all__ = ["affine_batch", "random_affine_batch", "RecipeResult", "train_recipe", "predict_proba"]

SHIFT_VIEWS = ((0, 0), (1, 0), (-1, 0), (0, 1), (0, -1))
"""The test-time views of :func:`predict_proba`: the digit and four one-pixel shifts
``(dx, dy)``."""


def affine_batch(x: torch.Tensor, angle, translate, scale) -> torch.Tensor:
    r"""Rotate, scale and shift every image of a batch about its centre (bilinear, zero fill).

    Image :math:`n` is transformed as :func:`convkit.transforms.affine` does with
    ``angle[n]`` (degrees, counter-clockwise as shown), ``translate[n] = (dx, dy)`` in
    pixels (right and down positive) and ``scale[n]``: the output pixel :math:`p` takes
    the input value at :math:`q = c + \frac{1}{s} R(-\theta)(p - c - t)`, by one call of
    :func:`torch.nn.functional.affine_grid` and :func:`~torch.nn.functional.grid_sample`
    (``align_corners=False``, zeros outside).

    Args:
        x: float tensor :math:`(N, C, H, W)`.
        angle: :math:`(N,)` angles in degrees (tensor or sequence).
        translate: :math:`(N, 2)` shifts ``(dx, dy)`` in pixels.
        scale: :math:`(N,)` positive scale factors.

    Shape:
        - Input: :math:`(N, C, H, W)`; Output: :math:`(N, C, H, W)`.

    Examples::

        >>> x = torch.arange(9.0).reshape(1, 1, 3, 3)
        >>> affine_batch(x, [90.0], [[0.0, 0.0]], [1.0])[0, 0]     # a quarter turn
        tensor([[2., 5., 8.],
                [1., 4., 7.],
                [0., 3., 6.]])
        >>> affine_batch(x, [0.0], [[1.0, 0.0]], [1.0])[0, 0]      # one pixel to the right
        tensor([[0., 0., 1.],
                [0., 3., 4.],
                [0., 6., 7.]])
    """
    if not isinstance(x, torch.Tensor) or x.dim() != 4 or not x.is_floating_point():
        raise TypeError("x must be a floating-point tensor of shape (N, C, H, W)")
    n, _, h, w = x.shape
    angle = torch.as_tensor(angle, dtype=x.dtype, device=x.device).reshape(-1)
    translate = torch.as_tensor(translate, dtype=x.dtype, device=x.device).reshape(-1, 2)
    scale = torch.as_tensor(scale, dtype=x.dtype, device=x.device).reshape(-1)
    if not (len(angle) == len(translate) == len(scale) == n):
        raise ValueError(f"angle, translate and scale must hold one entry per image ({n})")
    if not bool((scale > 0).all()):
        raise ValueError("scale must be positive")
    rad = torch.deg2rad(angle)
    cos, sin = torch.cos(rad) / scale, torch.sin(rad) / scale
    # A acts on pixel offsets (x right, y down) from the centre; the grid is normalised by
    # D = diag(W/2, H/2): theta = D^-1 A D, offset = -D^-1 A t.
    a = torch.stack([torch.stack([cos, -sin * h / w], 1), torch.stack([sin * w / h, cos], 1)], 1)
    t = torch.stack([translate[:, 0] * 2 / w, translate[:, 1] * 2 / h], 1)
    offset = -(a @ t[:, :, None])
    theta = torch.cat([a, offset], 2)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


def random_affine_batch(
    x: torch.Tensor,
    degrees: float = 10.0,
    translate: float = 0.1,
    scale=(0.9, 1.1),
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    r"""A random :func:`affine_batch` per image: the batched form of ``T.RandomAffine``.

    For every image, independently: an angle uniform in :math:`[-d, d]` degrees, a shift
    uniform in :math:`[-t W, t W] \times [-t H, t H]` pixels and a scale uniform in
    ``scale``, all drawn from ``generator`` (on the CPU, so CPU and GPU runs draw the same
    numbers).

    Args:
        x: float tensor :math:`(N, C, H, W)`.
        degrees (float): largest rotation. Default: 10.0
        translate (float): largest shift as a fraction of the size. Default: 0.1
        scale (tuple): range of scale factors. Default: (0.9, 1.1)
        generator (torch.Generator, optional): CPU generator for the draws.

    Examples::

        >>> g = torch.Generator().manual_seed(0)
        >>> random_affine_batch(torch.rand(5, 1, 28, 28), generator=g).shape
        torch.Size([5, 1, 28, 28])
    """
    for name, v in (("degrees", degrees), ("translate", translate)):
        if isinstance(v, bool) or not isinstance(v, numbers.Real) or v < 0:
            raise ValueError(f"{name} must be a non-negative number, got {v!r}")
    lo, hi = (float(s) for s in scale)
    if not 0 < lo <= hi:
        raise ValueError(f"scale must be (lo, hi) with 0 < lo <= hi, got {scale!r}")
    n, _, h, w = x.shape
    u = torch.rand(n, 4, generator=generator)
    angle = (2 * u[:, 0] - 1) * degrees
    shift = torch.stack([(2 * u[:, 1] - 1) * translate * w, (2 * u[:, 2] - 1) * translate * h], 1)
    factor = lo + (hi - lo) * u[:, 3]
    return affine_batch(x, angle.to(x.device), shift.to(x.device), factor.to(x.device))


@dataclass
class RecipeResult:
    """What :func:`train_recipe` returns.

    Attributes:
        model: the network to evaluate (the EMA of the weights when ``ema`` was on), in
            evaluation mode.
        steps: optimizer steps taken (``epochs * ceil(N / batch_size)``).
        cpu_seconds: CPU time of the training (:func:`time.process_time`), measured only.
        wall_seconds: wall-clock time of the training.
        train_loss: mean training loss of each epoch.
        mean, std: the normalisation measured on the training images.
        device: where it ran.
    """

    model: nn.Module
    steps: int
    cpu_seconds: float
    wall_seconds: float
    train_loss: list = field(default_factory=list)
    mean: float = 0.0
    std: float = 1.0
    device: str = "cpu"


def _check_positive(value, name, integral=False):
    kind_ok = isinstance(value, numbers.Integral) if integral else isinstance(value, numbers.Real)
    if isinstance(value, bool) or not kind_ok or not value > 0:
        raise ValueError(
            f"{name} must be a positive {'int' if integral else 'number'}, got {value!r}"
        )
    return int(value) if integral else float(value)


def _images_tensor(images) -> torch.Tensor:
    x = torch.as_tensor(np.asarray(images), dtype=torch.float32)
    if x.dim() == 3:
        x = x[:, None]
    if x.dim() != 4:
        raise ValueError(f"images must have shape (N, H, W) or (N, C, H, W), got {tuple(x.shape)}")
    return x


def train_recipe(
    images,
    labels,
    *,
    seed: int = 0,
    epochs: int = 24,
    arch: str = "fast",
    widths=(24, 48, 96),
    hidden: int = 64,
    p: float = 0.0,
    batch_size: int = 256,
    lr: float = 0.4,
    momentum: float = 0.9,
    weight_decay: float = 5e-4,
    warmup: float = 0.15,
    label_smoothing: float = 0.1,
    ema: float | None = 0.98,
    augment: bool = True,
    degrees: float = 10.0,
    translate: float = 0.1,
    scale=(0.9, 1.1),
    device=None,
) -> RecipeResult:
    r"""Train one network (:class:`~convkit.models.fast.FastCNN` or
    :class:`~convkit.models.small.SmallCNN`) with the fast recipe, for a fixed amount of work.

    One run takes exactly ``epochs * ceil(N / batch_size)`` optimizer steps:
    SGD with Nesterov momentum, the learning rate rising linearly from 0 to ``lr`` over the
    first ``warmup`` share of the steps and falling linearly to 0 over the rest; the loss
    is cross-entropy with ``label_smoothing``; each batch is augmented by
    :func:`random_affine_batch` (when ``augment``) and normalised with the training
    images' mean and standard deviation. With ``ema`` the returned network is the
    exponential moving average of the weights and batch-norm statistics,
    :math:`\bar w \leftarrow d_t \bar w + (1 - d_t)\,w` after step :math:`t` (1-based), with
    :math:`d_t = \min(\text{ema}, (1 + t) / (10 + t))` so that the average forgets the
    initial weights quickly.
    Everything random (weights, batch order, augmentation) follows ``seed``.

    Args:
        images: training images ``(N, H, W)`` or ``(N, C, H, W)``, values in [0, 1] (numpy).
        labels: integer labels ``(N,)``.
        seed (int): Default: 0
        epochs (int): passes over the training images (the budget). Default: 24
        arch (str): ``"fast"`` for :class:`~convkit.models.fast.FastCNN` (``widths``),
            ``"small"`` for :class:`~convkit.models.small.SmallCNN` (``widths``, ``hidden``,
            ``p``). Default: ``"fast"``
        widths: the network's three widths. Default: (24, 48, 96)
        hidden, p: :class:`~convkit.models.small.SmallCNN`'s hidden width and dropout (not
            used by ``"fast"``). Default: 64, 0.0
        batch_size (int): Default: 256
        lr (float): peak learning rate. Default: 0.4
        momentum (float): Nesterov momentum. Default: 0.9
        weight_decay (float): L2 penalty of SGD. Default: 5e-4
        warmup (float): share of the steps spent warming up, in [0, 1). Default: 0.15
        label_smoothing (float): Default: 0.1
        ema (float, optional): EMA decay per step in (0, 1), or ``None`` for the last
            weights. Default: 0.98
        augment (bool): draw a random rotation, shift and scale per image. Default: True
        degrees, translate, scale: the :func:`random_affine_batch` ranges.
        device: ``None`` picks CUDA when present.

    Returns:
        :class:`RecipeResult`.

    Examples::

        >>> x = np.random.default_rng(0).random((64, 28, 28)); y = np.arange(64) % 10
        >>> r = train_recipe(x, y, epochs=1, widths=(4, 4, 4), batch_size=32, device="cpu")
        >>> r.steps, len(r.train_loss), r.model.training
        (2, 1, False)
    """
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    epochs = _check_positive(epochs, "epochs", integral=True)
    batch_size = _check_positive(batch_size, "batch_size", integral=True)
    lr = _check_positive(lr, "lr")
    if not 0 <= warmup < 1:
        raise ValueError(f"warmup must be in [0, 1), got {warmup!r}")
    if ema is not None and not 0 < ema < 1:
        raise ValueError(f"ema must be None or in (0, 1), got {ema!r}")
    if arch not in ("fast", "small"):
        raise ValueError(f"arch must be 'fast' or 'small', got {arch!r}")
    device = pick_device() if device is None else torch.device(device)
    cuda = device.type == "cuda"

    x = _images_tensor(images)
    y = torch.as_tensor(np.asarray(labels), dtype=torch.long)
    if len(y) != len(x):
        raise ValueError(f"labels must have one entry per image ({len(x)}), got {len(y)}")
    mean, std = float(x.mean()), float(x.std())
    x, y = x.to(device), y.to(device)

    start_cpu, start_wall = time.process_time(), time.perf_counter()
    seed_everything(int(seed))
    gen = torch.Generator().manual_seed(int(seed))  # batch order
    # The augmentation draws from its own generator, so a run without augmentation sees the
    # same initial weights and the same batches as the run with it (paired comparisons).
    aug_gen = torch.Generator().manual_seed(int(seed) + 1_000_003)
    if arch == "fast":
        model = FastCNN(widths, in_channels=x.shape[1]).to(device)
    else:
        model = SmallCNN(widths, hidden, p, in_channels=x.shape[1]).to(device)
    memory = torch.channels_last  # faster for these convolutions on CUDA and on the CPU alike
    model.to(memory_format=memory)
    decay, no_decay = [], []
    for _name, param in model.named_parameters():
        (no_decay if param.dim() == 1 else decay).append(param)
    optimizer = torch.optim.SGD(
        [
            {"params": decay, "weight_decay": weight_decay},
            {"params": no_decay, "weight_decay": 0.0},
        ],
        lr=lr,
        momentum=momentum,
        nesterov=True,
    )
    per_epoch = math.ceil(len(x) / batch_size)
    total = epochs * per_epoch
    warm = max(1, round(warmup * total)) if warmup > 0 else 0

    def factor(step):  # learning-rate multiplier before optimizer step `step` (0-based)
        if step < warm:
            return (step + 1) / warm
        return max(0.0, (total - step) / max(1, total - warm))

    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, factor)
    loss_fn = nn.CrossEntropyLoss(label_smoothing=label_smoothing)
    averaged = copy.deepcopy(model).eval() if ema is not None else None
    scaler = torch.amp.GradScaler("cuda", enabled=cuda)
    losses, step = [], 0
    model.train()
    for _ in range(epochs):
        order = torch.randperm(len(x), generator=gen).to(device)
        total_loss = torch.zeros((), device=device)
        for b in range(per_epoch):
            idx = order[b * batch_size : (b + 1) * batch_size]
            xb, yb = x[idx], y[idx]
            if augment:
                xb = random_affine_batch(xb, degrees, translate, scale, generator=aug_gen)
            xb = ((xb - mean) / std).contiguous(memory_format=memory)
            with torch.autocast(device.type, dtype=torch.float16, enabled=cuda):
                loss = loss_fn(model(xb), yb)
            optimizer.zero_grad(set_to_none=True)
            scaler.scale(loss).backward()
            scaler.step(optimizer)
            scaler.update()
            schedule.step()
            total_loss += loss.detach() * len(idx)
            step += 1
            if averaged is not None:
                decay = min(ema, (1 + step) / (10 + step))  # short memory early on
                with torch.no_grad():
                    for a, m in zip(
                        averaged.state_dict().values(), model.state_dict().values(), strict=True
                    ):
                        if a.is_floating_point():
                            a.mul_(decay).add_(m.detach(), alpha=1 - decay)
                        else:
                            a.copy_(m)
        losses.append(float(total_loss) / len(x))
    result_model = (averaged if averaged is not None else model).eval()
    return RecipeResult(
        result_model,
        total,
        time.process_time() - start_cpu,
        time.perf_counter() - start_wall,
        losses,
        mean,
        std,
        device.type,
    )


@torch.no_grad()
def predict_proba(
    models, images, *, mean: float = 0.0, std: float = 1.0, views=((0, 0),), batch_size: int = 1000
) -> torch.Tensor:
    r"""Softmax probabilities averaged over networks and whole-pixel shifted views.

    .. math::
        \bar p(x) = \frac{1}{M V} \sum_{m=1}^{M} \sum_{v=1}^{V}
        \operatorname{softmax}\bigl(f_m((S_v x - \mu) / \sigma)\bigr),

    where :math:`S_v` moves the image by ``views[v] = (dx, dy)`` pixels (right and down
    positive, the uncovered border filled with 0, as :func:`convkit.transforms.affine`).

    Args:
        models: a network or a sequence of networks returning logits; they run in
            evaluation mode on the device of their parameters (modes restored).
        images: raw images ``(N, H, W)`` or ``(N, C, H, W)`` (numpy).
        mean, std (float): the normalisation of the training images.
        views: shifts ``(dx, dy)``. Default: ``((0, 0),)``
        batch_size (int): Default: 1000

    Shape:
        - Output: :math:`(N, K)` float32 on the CPU; rows sum to 1.

    Examples::

        >>> net = nn.Sequential(nn.Flatten(), nn.Linear(4, 3))
        >>> p = predict_proba([net, net], np.ones((5, 2, 2)), views=SHIFT_VIEWS)
        >>> p.shape, bool(torch.allclose(p.sum(1), torch.ones(5)))
        (torch.Size([5, 3]), True)
    """
    if isinstance(models, nn.Module):
        models = [models]
    models = list(models)
    if not models or not all(isinstance(m, nn.Module) for m in models):
        raise TypeError("models must be a torch.nn.Module or a non-empty sequence of them")
    views = [tuple(int(d) for d in v) for v in views]
    if not views or any(len(v) != 2 for v in views):
        raise ValueError("views must hold at least one (dx, dy) pair")
    x = _images_tensor(images)
    h, w = x.shape[-2:]
    total = torch.zeros(len(x), 0)
    modes = [m.training for m in models]
    try:
        out = None
        for m in models:
            m.eval()
            param = next(m.parameters(), None)
            device = param.device if param is not None else torch.device("cpu")
            for dx, dy in views:
                pad = max(abs(dx), abs(dy))
                padded = F.pad(x, (pad, pad, pad, pad)) if pad else x
                shifted = padded[..., pad - dy : pad - dy + h, pad - dx : pad - dx + w]
                for b in range(0, len(x), batch_size):
                    xb = ((shifted[b : b + batch_size] - mean) / std).to(device)
                    prob = torch.softmax(m(xb).float(), dim=1).cpu()
                    if out is None:
                        out = torch.zeros(len(x), prob.shape[1])
                    out[b : b + batch_size] += prob
        if out is None:  # no images: nothing to average (a TypeError, as before)
            raise TypeError("images must hold at least one image")
        total = out / (len(models) * len(views))
    finally:
        for m, mode in zip(models, modes, strict=True):
            m.train(mode)
    return total
