"""convkit.training.train on the CPU: loss goes down, seeding repeats runs exactly, evaluate counts right."""

from __future__ import annotations

import math
import subprocess
import sys

import matplotlib
import numpy as np
import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from convkit.training.train import Evaluation, History, evaluate, fit, pick_device, seed_everything


def _blobs(n=240, seed=0):
    """Three well separated Gaussian blobs in 2-D: a tiny problem a linear model can learn."""
    g = torch.Generator().manual_seed(seed)
    centres = torch.tensor([[3.0, 0.0], [-3.0, 1.0], [0.0, -3.0]])
    y = torch.arange(n) % 3
    x = centres[y] + 0.7 * torch.randn(n, 2, generator=g)
    return x, y


def _loaders(seed=0, batch_size=32):
    x, y = _blobs(seed=seed)
    train = DataLoader(TensorDataset(x[:180], y[:180]), batch_size=batch_size, shuffle=True)
    val = DataLoader(TensorDataset(x[180:], y[180:]), batch_size=50)
    return train, val


def _tiny_cnn():
    return nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(4 * 4 * 4, 3))


def test_loss_decreases_and_history_is_filled():
    seed_everything(0)
    train, val = _loaders()
    model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 3))
    h = fit(model, train, val, epochs=6, lr=0.02, progress=False, device="cpu")
    assert len(h) == 6
    for name in ("train_loss", "train_acc", "val_loss", "val_acc", "epoch_time", "train_time"):
        assert len(getattr(h, name)) == 6, name
    assert h.train_loss[-1] < 0.5 * h.train_loss[0]
    assert h.val_loss[-1] < h.val_loss[0]
    assert h.val_acc[-1] > 0.9
    assert all(t > 0 for t in h.epoch_time) and all(a <= b for a, b in zip(h.train_time, h.epoch_time))
    assert h.train_samples == 180 and h.device == "cpu" and h.amp is False and h.channels_last is False
    assert h.images_per_second > 0
    # the reported validation numbers are what evaluate() measures on the final model
    ev = evaluate(model, val, "cpu")
    assert math.isclose(ev.loss, h.val_loss[-1], rel_tol=1e-6) and ev.accuracy == h.val_acc[-1]


def test_train_numbers_are_sample_weighted_means_of_the_batches():
    """With lr so small that the weights barely move, the training loss is the data's mean loss."""
    x, y = _blobs(n=70)
    loader = DataLoader(TensorDataset(x, y), batch_size=32)  # batches of 32, 32 and 6
    model = nn.Linear(2, 3)
    opt = torch.optim.SGD(model.parameters(), lr=1e-12)
    before = evaluate(model, [(x, y)], "cpu")
    h = fit(model, loader, epochs=1, optimizer=opt, progress=False, device="cpu")
    assert math.isclose(h.train_loss[0], before.loss, rel_tol=1e-6)
    assert math.isclose(h.train_acc[0], before.accuracy)
    assert math.isnan(h.val_loss[0]) and math.isnan(h.val_acc[0])


def test_seeding_reproduces_identical_histories():
    def run():
        seed_everything(123)
        train, val = _loaders()
        model = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Dropout(0.2), nn.Linear(8, 3))
        h = fit(model, train, val, epochs=3, lr=0.01, progress=False, device="cpu")
        return h, [p.detach().clone() for p in model.parameters()]

    (h1, p1), (h2, p2) = run(), run()
    for name in ("train_loss", "train_acc", "val_loss", "val_acc"):
        assert getattr(h1, name) == getattr(h2, name), name
    assert all(torch.equal(a, b) for a, b in zip(p1, p2))
    seed_everything(124)
    train, val = _loaders()
    h3 = fit(nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Dropout(0.2), nn.Linear(8, 3)), train, val,
             epochs=3, lr=0.01, progress=False, device="cpu")  # fmt: skip
    assert h3.train_loss != h1.train_loss


def test_seed_everything_seeds_python_numpy_and_torch():
    import random

    seed_everything(7)
    a = (random.random(), np.random.rand(), torch.rand(1).item())
    seed_everything(7)
    assert a == (random.random(), np.random.rand(), torch.rand(1).item())
    for bad in (-1, 1.5, True, "3"):
        with pytest.raises(ValueError, match="seed"):
            seed_everything(bad)


def test_seed_everything_deterministic_flag_in_a_fresh_process():
    code = (
        "import torch; from convkit.training.train import seed_everything; seed_everything(0, deterministic=True); "
        "print(torch.are_deterministic_algorithms_enabled())"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "True"


def test_evaluate_accuracy_equals_a_hand_count():
    torch.manual_seed(0)
    x = torch.randn(53, 1, 8, 8)
    y = torch.randint(0, 3, (53,))
    model = _tiny_cnn()
    loader = DataLoader(TensorDataset(x, y), batch_size=10)  # last batch of 3
    ev = evaluate(model, loader, "cpu")
    assert isinstance(ev, Evaluation)
    with torch.no_grad():
        logits = model(x)
    hand = sum(int(logits[i].argmax()) == int(y[i]) for i in range(53)) / 53
    assert ev.accuracy == hand
    assert math.isclose(ev.loss, nn.functional.cross_entropy(logits, y).item(), rel_tol=1e-5)


def test_evaluate_restores_mode_and_uses_eval_mode():
    model = nn.Sequential(nn.Linear(2, 3), nn.Dropout(0.9))
    x, y = _blobs(n=30)
    model.train()
    a = evaluate(model, [(x, y)], "cpu")
    b = evaluate(model, [(x, y)], "cpu")
    assert a == b  # dropout off: the same numbers twice
    assert model.training
    model.eval()
    evaluate(model, [(x, y)], "cpu")
    assert not model.training


def test_evaluate_soft_targets_give_nan_accuracy_and_empty_loader_raises():
    model = nn.Linear(2, 3)
    x = torch.randn(4, 2)
    soft = torch.softmax(torch.randn(4, 3), dim=1)
    ev = evaluate(model, [(x, soft)], "cpu")
    assert math.isnan(ev.accuracy) and ev.loss > 0
    with pytest.raises(ValueError, match="no samples"):
        evaluate(model, [], "cpu")


def test_pick_device(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert pick_device() == torch.device("cpu")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert pick_device() == torch.device("cuda")


def test_fit_defaults_follow_the_device(monkeypatch):
    """amp and channels_last default to on for CUDA and off for the CPU."""
    train, _ = _loaders()
    h = fit(nn.Linear(2, 3), train, epochs=1, progress=False, device="cpu")
    assert (h.amp, h.channels_last) == (False, False)
    # an explicit request on the CPU: bfloat16 autocast and NHWC weights
    x = torch.randn(16, 1, 8, 8)
    y = torch.randint(0, 3, (16,))
    model = _tiny_cnn()
    h = fit(model, [(x, y)], epochs=2, progress=False, device="cpu", amp=True, channels_last=True)
    assert (h.amp, h.channels_last) == (True, True)
    assert model[0].weight.is_contiguous(memory_format=torch.channels_last)
    assert all(math.isfinite(v) for v in h.train_loss)


def test_progress_bar_writes_to_stderr_and_can_be_disabled(capsys):
    train, val = _loaders()
    fit(nn.Linear(2, 3), train, val, epochs=2, progress=True, device="cpu")
    err = capsys.readouterr().err
    assert "epoch 2/2" in err and "val_acc" in err
    fit(nn.Linear(2, 3), train, val, epochs=2, progress=False, device="cpu")
    assert capsys.readouterr().err == ""


def test_fit_uses_scheduler_and_given_optimizer():
    train, _ = _loaders()
    model = nn.Linear(2, 3)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    fit(model, train, epochs=3, optimizer=opt, scheduler=sched, progress=False, device="cpu")
    assert math.isclose(opt.param_groups[0]["lr"], 0.1 * 0.5**3)


@pytest.mark.parametrize(
    "kwargs,exc,word",
    [
        ({"epochs": 0}, ValueError, "epochs"),
        ({"epochs": 1.0}, ValueError, "epochs"),
        ({"epochs": 1, "lr": 0}, ValueError, "lr"),
        ({"epochs": 1, "optimizer": "adam"}, TypeError, "optimizer"),
        ({"epochs": 1, "device": 0}, TypeError, "device"),
        ({"epochs": 1, "amp": "yes"}, TypeError, "amp"),
        ({"epochs": 1, "channels_last": 1}, TypeError, "channels_last"),
    ],
)
def test_fit_rejects_bad_arguments(kwargs, exc, word):
    train, _ = _loaders()
    with pytest.raises(exc, match=word):
        fit(nn.Linear(2, 3), train, progress=False, **kwargs)


def test_fit_rejects_non_module_and_empty_loader():
    with pytest.raises(TypeError, match="model"):
        fit(lambda x: x, [], epochs=1, progress=False)
    with pytest.raises(ValueError, match="no samples"):
        fit(nn.Linear(2, 3), [], epochs=1, progress=False, device="cpu")


def test_history_plot_produces_a_figure():
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    h = History([1.0, 0.6, 0.4], [0.5, 0.7, 0.8], [1.1, 0.7, 0.5], [0.45, 0.65, 0.75], [1.0, 1.0, 1.0])
    fig = h.plot(title="run")
    try:
        assert isinstance(fig, matplotlib.figure.Figure)
        loss_ax, acc_ax = fig.axes
        assert [line.get_label() for line in loss_ax.get_lines()] == ["train", "validation"]
        np.testing.assert_allclose(loss_ax.get_lines()[1].get_ydata(), h.val_loss)
        np.testing.assert_allclose(acc_ax.get_lines()[0].get_ydata(), h.train_acc)
        assert fig._suptitle.get_text() == "run"
    finally:
        plt.close(fig)
    # without validation only the training curves are drawn
    nan = float("nan")
    fig = History([1.0, 0.5], [0.5, 0.6], [nan, nan], [nan, nan], [1.0, 1.0]).plot()
    try:
        assert [line.get_label() for line in fig.axes[0].get_lines()] == ["train"]
    finally:
        plt.close(fig)


def test_history_table_and_dict():
    h = History([1.0], [0.5], [0.9], [0.6], [2.0])
    assert h.as_dict()["val_acc"] == [0.6]
    assert h.table().splitlines()[1].split() == ["1", "1.0000", "0.5000", "0.9000", "0.6000", "2.0"]


def test_fit_on_real_digits_learns():
    """Two epochs of LeNet on 1,000 of the course's digits beat chance by far (a few seconds on a CPU)."""
    from convkit.data import mnist_loaders
    from convkit.models import LeNet5

    seed_everything(0)
    train, val, _ = mnist_loaders(batch_size=50, val_size=500)
    subset = torch.utils.data.Subset(train.dataset, range(1000))
    loader = DataLoader(subset, batch_size=50, shuffle=True)
    h = fit(LeNet5("modern"), loader, val, epochs=2, lr=3e-3, progress=False, device="cpu")
    assert h.val_acc[-1] > 0.6
