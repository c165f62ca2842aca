r"""Transfer learning helpers (chapter 12): freeze, replace the head, per-group learning rates,
feature extraction and a linear classifier on frozen features.

The helpers work on any :class:`torch.nn.Module`; "depth" means the order of the model's
direct children (``model.children()``), which for an :class:`torch.nn.Sequential` such as
:class:`convkit.models.LeNet5` is the layer index. The *head* is the last
:class:`torch.nn.Linear` module of the model (in :meth:`~torch.nn.Module.named_modules` order).

The data and training helpers of the chapter's few-label comparison (:func:`digits8_as_mnist`,
:func:`few_label_split`, :func:`train_few`, :func:`accuracy`) live in
:mod:`convkit.training.fewlabel`: the assignment hands them out, while this module holds the
reference answers (the grading kernel never sees it). Importing this module loads torch;
scikit-learn is imported only by :func:`linear_probe`.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from convkit._validation import nonnegative_int, positive_int, positive_real
from convkit.training.fewlabel import _check_module

__all__ = [
    "freeze",
    "unfreeze",
    "trainable_names",
    "head_name",
    "replace_head",
    "param_groups",
    "extract_features",
    "linear_probe",
]


def _select(model: nn.Module, up_to, prefixes) -> list[nn.Parameter]:
    if (up_to is None) == (prefixes is None):
        raise ValueError("give exactly one of up_to and prefixes")
    if up_to is not None:
        children = list(model.children())
        up_to = nonnegative_int(up_to, "up_to")
        if up_to > len(children):
            raise ValueError(
                f"up_to must be at most the number of children ({len(children)}), got {up_to}"
            )
        return [p for child in children[:up_to] for p in child.parameters()]
    if isinstance(prefixes, str):
        prefixes = (prefixes,)
    if not isinstance(prefixes, (tuple, list)) or not all(isinstance(p, str) for p in prefixes):
        raise TypeError(f"prefixes must be a str or a sequence of str, got {prefixes!r}")
    return [
        p
        for n, p in model.named_parameters()
        if any(n == q or n.startswith(q + ".") for q in prefixes)
    ]


def freeze(model: nn.Module, up_to: int | None = None, *, prefixes=None) -> nn.Module:
    r"""Stop the training of the lower layers: set ``requires_grad=False`` on their parameters.

    Either the first ``up_to`` children (by depth) or every parameter whose name is one of
    ``prefixes`` or starts with ``prefix + "."`` (by name). Frozen parameters get no gradient,
    so an optimizer step leaves them unchanged even when the optimizer holds them. Freezing
    does not change the mode: :meth:`~torch.nn.Module.eval` switches dropout and batch
    normalisation to inference behaviour but freezes nothing.

    Args:
        model (nn.Module): the network, changed in place.
        up_to (int, optional): freeze children ``0 .. up_to - 1``; ``0`` freezes nothing.
        prefixes (str or sequence of str, optional): parameter-name prefixes, e.g. ``("0", "3")``.

    Returns:
        ``model``.

    Examples::

        >>> net = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
        >>> trainable_names(freeze(net, 2))
        ['2.weight', '2.bias']
        >>> trainable_names(freeze(unfreeze(net), prefixes="2"))
        ['0.weight', '0.bias']
    """
    _check_module(model)
    for p in _select(model, up_to, prefixes):
        p.requires_grad_(False)
    return model


def unfreeze(model: nn.Module, up_to: int | None = None, *, prefixes=None) -> nn.Module:
    """Undo :func:`freeze`: every parameter (default), the first ``up_to`` children, or
    ``prefixes``.

    Examples::

        >>> net = freeze(nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2)), 2)
        >>> trainable_names(unfreeze(net, prefixes="1"))
        ['1.weight', '1.bias']
    """
    _check_module(model)
    params = (
        list(model.parameters())
        if up_to is None and prefixes is None
        else _select(model, up_to, prefixes)
    )
    for p in params:
        p.requires_grad_(True)
    return model


def trainable_names(model: nn.Module) -> list[str]:
    """Names of the parameters that will train (``requires_grad=True``), in order.

    Examples::

        >>> trainable_names(nn.Linear(2, 1))
        ['weight', 'bias']
    """
    return [n for n, p in _check_module(model).named_parameters() if p.requires_grad]


def head_name(model: nn.Module) -> str:
    """Qualified name of the head: the last :class:`torch.nn.Linear` in ``named_modules`` order.

    Examples::

        >>> head_name(nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2)))
        '2'
    """
    names = [n for n, m in _check_module(model).named_modules() if isinstance(m, nn.Linear) and n]
    if not names:
        raise ValueError("model has no nn.Linear submodule to act as its head")
    return names[-1]


def replace_head(model: nn.Module, num_classes: int) -> nn.Module:
    r"""Replace the head (last ``nn.Linear``) by a new, trainable
    ``nn.Linear(in_features, num_classes)``.

    Every other module keeps its weights and its ``requires_grad`` flags. The new layer has
    PyTorch's default initialisation (draw it after :func:`torch.manual_seed` to repeat it).
    An optimizer built before the replacement still holds the *old* head: build the
    optimizer after this call.

    Args:
        model (nn.Module): the network, changed in place.
        num_classes (int): outputs of the new head.

    Shape:
        - Input: as ``model``'s, e.g. :math:`(N, 1, 28, 28)` for LeNet-5
        - Output: :math:`(N, \text{num\_classes})`

    Returns:
        ``model``.

    Examples::

        >>> net = freeze(nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 10)), 3)
        >>> replace_head(net, 5)[2], trainable_names(net)
        (Linear(in_features=4, out_features=5, bias=True), ['2.weight', '2.bias'])
        >>> net(torch.zeros(7, 3)).shape
        torch.Size([7, 5])
    """
    num_classes = positive_int(num_classes, "num_classes")
    name = head_name(model)
    parent_name, _, child = name.rpartition(".")
    parent = model.get_submodule(parent_name) if parent_name else model
    old = getattr(parent, child)
    new = nn.Linear(old.in_features, num_classes, bias=old.bias is not None)
    new.to(device=old.weight.device, dtype=old.weight.dtype)
    setattr(parent, child, new)
    return model


def param_groups(model: nn.Module, lr: float, backbone_factor: float = 0.1) -> list[dict]:
    r"""Two optimizer parameter groups: the backbone at ``lr * backbone_factor``, the head at
    ``lr``.

    Frozen parameters (``requires_grad=False``) are left out of both groups. The head is the
    last ``nn.Linear`` (:func:`head_name`); the backbone is every other trainable parameter.

    Args:
        model (nn.Module): the network.
        lr (float): learning rate of the head.
        backbone_factor (float): the backbone's rate is ``lr * backbone_factor``. Default: 0.1

    Returns:
        ``[{"params": backbone, "lr": lr * backbone_factor}, {"params": head, "lr": lr}]``,
        to pass to any :mod:`torch.optim` optimizer. The backbone group is omitted when it is
        empty (everything below the head frozen).

    Examples::

        >>> net = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
        >>> opt = torch.optim.SGD(param_groups(net, 0.1), lr=0.1)
        >>> [(len(g["params"]), g["lr"]) for g in opt.param_groups]
        [(2, 0.010000000000000002), (2, 0.1)]
    """
    lr = positive_real(lr, "lr")
    backbone_factor = positive_real(backbone_factor, "backbone_factor")
    head = model.get_submodule(head_name(model))
    head_ids = {id(p) for p in head.parameters()}
    backbone = [p for p in model.parameters() if p.requires_grad and id(p) not in head_ids]
    head_params = [p for p in head.parameters() if p.requires_grad]
    if not head_params:
        raise ValueError("the head of model is frozen; unfreeze it or call replace_head first")
    groups = [{"params": backbone, "lr": lr * backbone_factor}] if backbone else []
    return groups + [{"params": head_params, "lr": lr}]


@torch.no_grad()
def extract_features(model: nn.Module, images, *, batch_size: int = 512, device=None) -> np.ndarray:
    r"""The inputs of the head (the penultimate features) for ``images``, as a float32 numpy array.

    The model runs in eval mode (restored afterwards); a forward hook on the head records what
    it receives.

    Args:
        model (nn.Module): a network with an ``nn.Linear`` head.
        images (ndarray or Tensor): a batch, e.g. :math:`(N, 1, 28, 28)`, or :math:`(N, 28, 28)`
            for one-channel images.
        batch_size (int): images per forward pass. Default: 512
        device: where to run. Default: the device of the model's parameters.

    Shape:
        - Output: :math:`(N, \text{head.in\_features})`

    Examples::

        >>> net = nn.Sequential(nn.Flatten(), nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
        >>> extract_features(net, np.ones((5, 2, 2), dtype=np.float32)).shape
        (5, 3)
    """
    _check_module(model)
    batch_size = positive_int(batch_size, "batch_size")
    x = torch.as_tensor(np.asarray(images) if not isinstance(images, torch.Tensor) else images)
    if x.ndim == 3:
        x = x[:, None]
    if device is None:
        device = next(model.parameters()).device
    head = model.get_submodule(head_name(model))
    captured = []
    handle = head.register_forward_hook(
        lambda module, inputs, output: captured.append(inputs[0].detach().cpu())
    )
    was_training = model.training
    model.eval()
    try:
        for start in range(0, len(x), batch_size):
            model(x[start : start + batch_size].to(device=device, dtype=torch.float32))
    finally:
        handle.remove()
        model.train(was_training)
    return torch.cat(captured).flatten(1).numpy().astype(np.float32)


def linear_probe(features, labels, *, kind: str = "logistic", C: float = 1.0, seed: int = 0):
    """Fit a linear classifier on frozen features: standardisation, then logistic regression or a
    linear SVM.

    Args:
        features (ndarray): :math:`(N, F)` training features (e.g. from :func:`extract_features`).
        labels (ndarray): :math:`(N,)` integer labels.
        kind (str): ``"logistic"`` (:class:`sklearn.linear_model.LogisticRegression`) or
            ``"svm"`` (:class:`sklearn.svm.LinearSVC`). Default: ``"logistic"``
        C (float): inverse regularisation strength. Default: 1.0
        seed (int): random state of the solver. Default: 0

    Returns:
        A fitted scikit-learn pipeline with ``predict`` and ``score``.

    Examples::

        >>> rng = np.random.default_rng(0)
        >>> f = np.concatenate([rng.normal(-2, 1, (20, 3)), rng.normal(2, 1, (20, 3))])
        >>> y = np.repeat([0, 1], 20)
        >>> float(linear_probe(f, y).score(f, y)), float(linear_probe(f, y, kind="svm").score(f, y))
        (1.0, 1.0)
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import LinearSVC

    features, labels = np.asarray(features), np.asarray(labels)
    if features.ndim != 2:
        raise ValueError(f"features must be 2-D (N, F), got shape {features.shape}")
    if labels.shape != (len(features),):
        raise ValueError(f"labels must have shape ({len(features)},), got {labels.shape}")
    C = positive_real(C, "C")
    if kind == "logistic":
        clf = LogisticRegression(C=C, max_iter=2000, random_state=seed)
    elif kind == "svm":
        clf = LinearSVC(C=C, max_iter=20000, random_state=seed)
    else:
        raise ValueError(f"kind must be 'logistic' or 'svm', got {kind!r}")
    return make_pipeline(StandardScaler(), clf).fit(features, labels)
