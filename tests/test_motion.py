"""The chapter-07 models and the 3D formulas the page states, checked against PyTorch."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

import convkit
from convkit.data.clips import moving_digits
from convkit.models.motion import (
    Motion3DNet,
    PerFrame2DNet,
    clip_accuracy,
    count_parameters,
    train_clip_classifier,
)


@pytest.fixture(autouse=True)
def one_torch_thread():
    """Train on one thread: on a shared 2-core machine two threads fight and run several times slower."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def conv3d_out(size, k, s=1, p=0, d=1):
    """The output-size formula the page states, per axis: floor((L + 2p - d(k-1) - 1) / s) + 1."""
    return (size + 2 * p - d * (k - 1) - 1) // s + 1


@pytest.mark.parametrize(
    "size, k, s, p, d",
    [c for c in itertools.product([5, 8, 11], [1, 2, 3], [1, 2, 3], [0, 1, 2], [1, 2]) if conv3d_out(*c) >= 1],
)
def test_output_size_formula_matches_torch_conv3d(size, k, s, p, d):
    """Each of D, H, W follows the formula on its own: vary one axis, keep the others fixed."""
    x = torch.zeros(1, 1, size, 7, 9, dtype=torch.float64)
    w = torch.zeros(1, 1, k, 3, 1, dtype=torch.float64)
    out = F.conv3d(x, w, stride=(s, 1, 2), padding=(p, 1, 0), dilation=(d, 1, 1))
    assert out.shape[2] == conv3d_out(size, k, s, p, d)
    assert out.shape[3] == conv3d_out(7, 3, 1, 1, 1) and out.shape[4] == conv3d_out(9, 1, 2, 0, 1)
    assert convkit.conv_output_size((size, 7, 9), (k, 3, 1), (s, 1, 2), (p, 1, 0), (d, 1, 1)) == tuple(out.shape[2:])


@pytest.mark.parametrize(
    "c_in, c_out, k, bias",
    list(itertools.product([1, 3, 8], [1, 4, 16], [(1, 1, 1), (3, 3, 3), (1, 3, 3), (2, 5, 3)], [True, False])),
)
def test_parameter_count_formula_2d_vs_3d(c_in, c_out, k, bias):
    """Conv3d: C_out * C_in * kD * kH * kW (+ C_out); Conv2d drops kD."""
    conv3 = nn.Conv3d(c_in, c_out, k, bias=bias, dtype=torch.float64)
    conv2 = nn.Conv2d(c_in, c_out, k[1:], bias=bias, dtype=torch.float64)
    expect3 = c_out * c_in * k[0] * k[1] * k[2] + (c_out if bias else 0)
    expect2 = c_out * c_in * k[1] * k[2] + (c_out if bias else 0)
    assert count_parameters(conv3) == expect3 == convkit.conv_params(c_in, c_out, k, bias=bias)
    assert count_parameters(conv2) == expect2 == convkit.conv_params(c_in, c_out, k[1:], bias=bias)


def test_convkit_conv3d_matches_torch_on_a_clip():
    """What the page shows: convkit.conv3d against F.conv3d on a real clip, float64."""
    clips, _, _ = moving_digits("train", n_clips=2, seed=0)
    x = clips.astype(np.float64)
    w = np.random.default_rng(0).normal(size=(4, 1, 3, 3, 3))
    b = np.random.default_rng(1).normal(size=4)
    for stride, padding in [(1, 0), ((1, 2, 2), 1), (2, (0, 1, 2))]:
        ours = convkit.conv3d(x, w, b, stride=stride, padding=padding)
        ref = F.conv3d(torch.from_numpy(x), torch.from_numpy(w), torch.from_numpy(b), stride=stride, padding=padding)
        np.testing.assert_allclose(ours, ref.numpy(), rtol=1e-10, atol=1e-10)


def test_a_two_frame_kernel_is_blind_to_exactly_one_motion():
    """The page's hand-made kernel: out = x[t+1, y, x+1] - x[t, y, x] vanishes only for motion to the right."""
    clips, y, _ = moving_digits("train", n_clips=40, seed=3)
    w = np.zeros((1, 1, 2, 1, 2))
    w[0, 0, 0, 0, 0], w[0, 0, 1, 0, 1] = -1.0, 1.0
    energy = (convkit.conv3d(clips.astype(np.float64), w) ** 2).sum(axis=(1, 2, 3, 4))
    assert np.all(energy[y == 0] == 0.0)
    assert np.all(energy[y != 0] > 1.0)


@pytest.mark.parametrize("cls, expected", [(Motion3DNet, 3764), (PerFrame2DNet, 1316)])
def test_model_shapes_and_parameter_counts(cls, expected):
    torch.manual_seed(0)
    net = cls(4)
    assert net(torch.rand(3, 1, 8, 24, 24)).shape == (3, 4)
    assert cls(8)(torch.rand(2, 1, 5, 16, 20)).shape == (2, 8)
    c1, c2 = 8, 16
    kd = 3 if cls is Motion3DNet else 1
    assert count_parameters(net) == expected == (kd * 9 + 1) * c1 + (c1 * kd * 9 + 1) * c2 + (c2 + 1) * 4


def test_per_frame_model_sees_frames_on_their_own():
    torch.manual_seed(1)
    net = PerFrame2DNet(4).double()
    x = torch.rand(2, 1, 6, 12, 12, dtype=torch.float64)
    manual = net.head(torch.stack([net.features(x[:, :, t]) for t in range(6)], dim=1).mean(dim=1))
    torch.testing.assert_close(net(x), manual)
    perm = torch.randperm(6)
    torch.testing.assert_close(net(x[:, :, perm]), net(x))  # any order of frames, including backwards
    net3 = Motion3DNet(4).double()
    assert (net3(x.flip(2)) - net3(x)).abs().max() > 1e-6  # the 3D model does see the order


def test_3d_model_learns_the_direction_and_the_2d_model_cannot():
    """The claim of the chapter, on a smaller run than the page's."""
    x_train, y_train, _ = moving_digits("train", n_clips=1200, seed=0)
    x_test, y_test, _ = moving_digits("test", n_clips=600, seed=0)
    torch.manual_seed(0)
    net3 = Motion3DNet(4)
    train_clip_classifier(net3, x_train, y_train, epochs=3, batch_size=32, lr=3e-3, seed=0)
    torch.manual_seed(0)
    net2 = PerFrame2DNet(4)
    train_clip_classifier(net2, x_train, y_train, epochs=3, batch_size=32, lr=3e-3, seed=0)
    acc3, acc2 = clip_accuracy(net3, x_test, y_test), clip_accuracy(net2, x_test, y_test)
    assert acc3 >= 0.9, acc3
    assert abs(acc2 - 0.25) < 0.06, acc2


def test_training_is_reproducible_with_a_seed():
    x, y, _ = moving_digits("train", n_clips=64, seed=2)
    logs = []
    for _ in range(2):
        torch.manual_seed(0)
        net = Motion3DNet(4)
        logs.append(train_clip_classifier(net, x, y, epochs=2, batch_size=16, seed=4)["losses"])
    assert logs[0] == logs[1] and len(logs[0]) == 2


@pytest.mark.parametrize(
    "call, exc, word",
    [
        (lambda: Motion3DNet(1), ValueError, "num_directions"),
        (lambda: Motion3DNet(4.0), TypeError, "num_directions"),
        (lambda: PerFrame2DNet(4, channels=(8,)), TypeError, "channels"),
        (lambda: PerFrame2DNet(4, channels=(8, 0)), ValueError, "channels"),
        (lambda: Motion3DNet(4)(torch.zeros(1, 8, 24, 24)), ValueError, "input"),
        (lambda: count_parameters("net"), TypeError, "model"),
        (lambda: train_clip_classifier(Motion3DNet(4), np.zeros((2, 1, 2, 4, 4)), [0, 1], epochs=0), ValueError, "epochs"),
        (lambda: train_clip_classifier(Motion3DNet(4), np.zeros((2, 1, 2, 4, 4)), [0, 1], lr=0), ValueError, "lr"),
        (lambda: clip_accuracy(Motion3DNet(4), np.zeros((2, 1, 2, 4, 4)), [0]), ValueError, "y"),
    ],
)
def test_bad_arguments(call, exc, word):
    with pytest.raises(exc, match=word):
        call()
