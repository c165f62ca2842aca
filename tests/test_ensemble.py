"""convkit.training.ensemble: the averaged prediction against a hand computation, and the training recipe
against the same steps written out by hand."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader

from convkit import transforms as T
from convkit.data.datasets import ArrayDataset
from convkit.training.ensemble import average_proba, train_ensemble
from convkit.models.small import SmallCNN
from convkit.training.train import fit, seed_everything


def _shift(x: np.ndarray, dx: int, dy: int) -> np.ndarray:
    """Move (..., H, W) images dx pixels right and dy pixels down, zeros where nothing comes in."""
    out = np.zeros_like(x)
    H, W = x.shape[-2:]
    src_r, dst_r = (slice(0, H - dy), slice(dy, H)) if dy >= 0 else (slice(-dy, H), slice(0, H + dy))
    src_c, dst_c = (slice(0, W - dx), slice(dx, W)) if dx >= 0 else (slice(-dx, W), slice(0, W + dx))
    out[..., dst_r, dst_c] = x[..., src_r, src_c]
    return out


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def test_average_proba_matches_a_hand_computation():
    rng = np.random.default_rng(0)
    x = rng.random((7, 5, 6))                      # N, H, W
    weights = [rng.normal(size=(4, 30)) for _ in range(2)]
    biases = [rng.normal(size=4) for _ in range(2)]
    nets = []
    for w, b in zip(weights, biases):
        net = nn.Sequential(nn.Flatten(), nn.Linear(30, 4)).double()
        with torch.no_grad():
            net[1].weight.copy_(torch.from_numpy(w)); net[1].bias.copy_(torch.from_numpy(b))
        nets.append(net.float())
    views = [(0, 0), (1, 0), (0, -2), (-1, 1)]
    got = average_proba(nets, x, transform=lambda t: 3 * t - 1, views=views, batch_size=3).numpy()
    want = np.zeros((7, 4))
    for w, b in zip(weights, biases):
        for dx, dy in views:
            z = (3 * _shift(x, dx, dy) - 1).reshape(7, -1)
            want += _softmax(z @ w.T + b)
    want /= len(weights) * len(views)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_average_proba_keeps_modes_and_checks_arguments():
    net = SmallCNN((4, 4, 4), 8).train()
    x = np.zeros((2, 28, 28))
    average_proba(net, x)
    assert net.training
    with pytest.raises(TypeError):
        average_proba([], x)
    with pytest.raises(ValueError):
        average_proba(net, x, views=[(0.5, 0)])
    with pytest.raises(ValueError):
        average_proba(net, x, views=[])


def test_train_ensemble_is_the_recipe_written_out():
    rng = np.random.default_rng(1)
    x = rng.random((48, 28, 28)).astype(np.float32)
    y = np.arange(48) % 10
    norm = T.Normalize([0.5], [0.3])
    ens = train_ensemble(x, y, members=2, seed=5, widths=(4, 8, 8), hidden=8, p=0.2, epochs=2, batch_size=16,
                         lr=3e-3, weight_decay=1e-3, label_smoothing=0.05, transform=norm, device="cpu")
    assert len(ens.models) == 2 and ens.cpu_seconds > 0
    for i, model in enumerate(ens.models):
        s = 5 + i                                  # network i uses seed + i for everything
        seed_everything(s)
        ref = SmallCNN((4, 8, 8), 8, 0.2)
        tf = T.Compose([T.RandomAffine(10, translate=(0.1, 0.1), scale=(0.9, 1.1), rng=s), norm])
        loader = DataLoader(ArrayDataset(x, y, tf), batch_size=16, shuffle=True,
                            generator=torch.Generator().manual_seed(s))
        opt = torch.optim.AdamW(ref.parameters(), lr=3e-3, weight_decay=1e-3)
        sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=3)
        hist = fit(ref, loader, epochs=2, optimizer=opt, scheduler=sched,
                   loss_fn=nn.CrossEntropyLoss(label_smoothing=0.05), device="cpu", progress=False)
        assert not model.training
        assert ens.histories[i].train_loss == hist.train_loss
        for a, b in zip(model.state_dict().values(), ref.state_dict().values()):
            assert torch.equal(a, b)
    # different seeds give different networks
    assert not torch.equal(ens.models[0][0].weight, ens.models[1][0].weight)


def test_train_ensemble_checks_arguments():
    x, y = np.zeros((4, 28, 28)), np.arange(4)
    with pytest.raises(TypeError):
        train_ensemble(x, y, members=1.5)
    with pytest.raises(ValueError):
        train_ensemble(x, y, members=0)
    with pytest.raises(ValueError):
        train_ensemble(x, y, seed=-1)
    with pytest.raises(TypeError):
        train_ensemble(x, y, augment="affine")


def test_held_out_images_are_left_out_of_that_member_only():
    rng = np.random.default_rng(2)
    x = rng.random((40, 28, 28)).astype(np.float32)
    y = np.arange(40) % 10
    held = [np.arange(0, 10), np.arange(10, 20)]
    kw = dict(widths=(4, 4, 4), hidden=8, epochs=1, batch_size=8, device="cpu")
    ens = train_ensemble(x, y, members=2, seed=3, held_out=held, **kw)
    for i, h in enumerate(held):
        keep = np.setdiff1d(np.arange(40), h)
        alone = train_ensemble(x[keep], y[keep], members=1, seed=3 + i, **kw).models[0]
        for a, b in zip(ens.models[i].state_dict().values(), alone.state_dict().values()):
            assert torch.equal(a, b)
    with pytest.raises(ValueError):
        train_ensemble(x, y, members=3, held_out=held, **kw)
