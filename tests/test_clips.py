"""The moving-digit clips: shapes, determinism, correct motion, no label in single frames, disjoint splits."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from scipy.stats import chi2_contingency

from convkit.data.clips import DIRECTION_NAMES, direction_vectors, make_moving_digits, moving_digits, zoom_out
from convkit.data.mnist import mnist_split


@pytest.fixture(scope="module")
def train_digits():
    return mnist_split("train")


@pytest.fixture(scope="module")
def test_digits():
    return mnist_split("test")


def _circular_com(frames: np.ndarray) -> np.ndarray:
    """Centre of mass on the torus of frames (..., S, S) as (..., 2) angles (row, col) in radians."""
    s = frames.shape[-1]
    phase = np.exp(2j * np.pi * np.arange(s) / s)
    row = np.angle(np.einsum("...rc,r->...", frames, phase))
    col = np.angle(np.einsum("...rc,c->...", frames, phase))
    return np.stack([row, col], axis=-1)


@pytest.mark.parametrize("directions", [4, 8])
@pytest.mark.parametrize("frames, size, zoom", [(8, 24, 2), (5, 30, 1), (3, 7, 4)])
def test_shapes_dtypes_range_and_balance(train_digits, directions, frames, size, zoom):
    images, labels = train_digits
    clips, y, digits = make_moving_digits(
        images[:50], labels[:50], n_clips=37, frames=frames, size=size, directions=directions, zoom=zoom, seed=3
    )
    assert clips.shape == (37, 1, frames, size, size)
    assert clips.dtype == np.float32 and y.dtype == np.int64 and digits.dtype == np.int64
    assert clips.min() >= 0.0 and clips.max() <= 1.0 and clips.max() > 0.5
    counts = np.bincount(y, minlength=directions)
    assert len(counts) == directions and counts.max() - counts.min() <= 1
    assert set(np.unique(digits)) <= set(np.unique(labels[:50]))


def test_without_labels_returns_two_arrays(train_digits):
    out = make_moving_digits(train_digits[0][:10], n_clips=4, seed=0)
    assert len(out) == 2 and out[0].shape == (4, 1, 8, 24, 24)


def test_deterministic_by_seed(train_digits):
    images, labels = train_digits
    a = make_moving_digits(images[:100], labels[:100], n_clips=20, seed=5)
    b = make_moving_digits(images[:100], labels[:100], n_clips=20, seed=5)
    c = make_moving_digits(images[:100], labels[:100], n_clips=20, seed=6)
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)
    assert not np.array_equal(a[0], c[0])


def test_each_digit_used_about_equally(train_digits):
    images = train_digits[0][:30]
    clips, _ = make_moving_digits(images, n_clips=95, frames=2, size=14, zoom=2, seed=1)
    # The first frame of each clip is a roll of one shrunk digit: identify it by its roll-invariant spectrum.
    shrunk = np.zeros((30, 14, 14), dtype=np.float32)
    shrunk[:, :14, :14] = zoom_out(images, 2)
    spec_digits = np.abs(np.fft.fft2(shrunk)).reshape(30, -1)
    spec_clips = np.abs(np.fft.fft2(clips[:, 0, 0])).reshape(95, -1)
    which = np.argmin(((spec_clips[:, None] - spec_digits[None]) ** 2).sum(-1), axis=1)
    counts = np.bincount(which, minlength=30)
    assert counts.min() == 3 and counts.max() == 4


@pytest.mark.parametrize("directions", [4, 8])
@pytest.mark.parametrize("step", [1, 2, 3])
def test_every_frame_is_the_previous_one_moved_in_the_labelled_direction(train_digits, directions, step):
    clips, y = make_moving_digits(train_digits[0][:40], n_clips=40, frames=6, directions=directions, step=step, seed=2)
    moves = direction_vectors(directions)
    for i in range(len(y)):
        dy, dx = step * moves[y[i]]
        for t in range(5):
            np.testing.assert_array_equal(clips[i, 0, t + 1], np.roll(clips[i, 0, t], (dy, dx), axis=(0, 1)))


@pytest.mark.parametrize("directions", [4, 8])
def test_centre_of_mass_moves_in_the_labelled_direction(train_digits, directions):
    size, step = 24, 2
    clips, y = make_moving_digits(train_digits[0][:200], n_clips=200, size=size, step=step, directions=directions, seed=4)
    com = _circular_com(clips[:, 0])  # (N, T, 2) angles
    moved = np.angle(np.exp(1j * (com[:, 1:] - com[:, :-1]))) * size / (2 * np.pi)  # pixels per frame, (N, T-1, 2)
    expected = step * direction_vectors(directions)[y]  # (N, 2) as (dy, dx)
    np.testing.assert_allclose(moved, np.broadcast_to(expected[:, None], moved.shape), atol=1e-3)
    # In words, with rows growing downwards: "up" lowers the row, "right" raises the column.
    names = DIRECTION_NAMES[directions]
    assert (moved[y == names.index("up"), :, 0] < 0).all() and (moved[y == names.index("right"), :, 1] > 0).all()


def test_single_frames_carry_no_direction_information(train_digits):
    """Where the digit sits in any one frame is independent of the label; how it moves is not."""
    size = 24
    clips, y = make_moving_digits(train_digits[0], n_clips=4000, size=size, seed=11)
    com = _circular_com(clips[:, 0])  # (N, T, 2)
    bins = 6
    cell = np.floor((com % (2 * np.pi)) / (2 * np.pi) * bins).astype(int)  # position bin per axis
    for t in (0, 3, 7):
        for axis in (0, 1):
            table = np.array([np.bincount(cell[y == k, t, axis], minlength=bins) for k in range(4)])
            p = chi2_contingency(table).pvalue
            assert p > 0.01, f"frame {t}, axis {axis}: position depends on the label (p={p:.2g})"
    # Per-frame amount of ink is the same in every frame (a frame is a roll of the same digit).
    ink = clips.sum(axis=(3, 4))[:, 0]
    np.testing.assert_allclose(ink, ink[:, :1].repeat(8, axis=1), rtol=1e-5)
    # The same test has the power to see a dependence where there is one: the move between frames.
    delta = np.angle(np.exp(1j * (com[:, 1, 1] - com[:, 0, 1])))
    moved_bin = np.digitize(delta, [-0.1, 0.1])
    table = np.array([np.bincount(moved_bin[y == k], minlength=3) for k in range(4)])
    assert chi2_contingency(table).pvalue < 1e-100


def test_train_and_test_clips_show_disjoint_digits(train_digits, test_digits):
    """Match every clip's digit by its roll-invariant Fourier magnitude: test clips only show test digits."""
    size = 24

    def spectra(images):
        canvas = np.zeros((len(images), size, size), dtype=np.float32)
        canvas[:, :14, :14] = zoom_out(images, 2)
        return np.abs(np.fft.fft2(canvas.astype(np.float64))).reshape(len(images), -1)

    def _sq_dist(a, b):
        return (a**2).sum(1)[:, None] + (b**2).sum(1)[None] - 2 * a @ b.T

    s_train, s_test = spectra(train_digits[0]), spectra(test_digits[0])
    for split, own, other, own_labels in (
        ("test", s_test, s_train, test_digits[1]),
        ("train", s_train, s_test, train_digits[1]),
    ):
        clips, _, digits = moving_digits(split, n_clips=150, seed=0)
        s = np.abs(np.fft.fft2(clips[:, 0, 3].astype(np.float64))).reshape(150, -1)
        best = _sq_dist(s, own).argmin(1)
        nearest_other = _sq_dist(s, other).argmin(1)
        d_own = ((s - own[best]) ** 2).sum(-1)
        d_other = ((s - other[nearest_other]) ** 2).sum(-1)
        assert np.all(d_own < 1e-6), f"{split} clips should show {split} digits"
        assert np.all(d_other > 1e-1), f"{split} clips show a digit from the other split"
        np.testing.assert_array_equal(digits, own_labels[best])


def test_split_seeds_differ():
    _, y_train, _ = moving_digits("train", n_clips=40, seed=0)
    _, y_test, _ = moving_digits("test", n_clips=40, seed=0)
    assert not np.array_equal(y_train, y_test)


@pytest.mark.parametrize("zoom", [1, 2, 4, 7])
def test_zoom_out_matches_torch_avg_pool(zoom):
    x = np.random.default_rng(zoom).random((3, 28, 28))
    expected = F.avg_pool2d(torch.from_numpy(x)[:, None], zoom)[:, 0].numpy()
    np.testing.assert_allclose(zoom_out(x, zoom), expected, rtol=1e-6)


def test_direction_vectors_point_at_their_angles():
    for k in (4, 8):
        v = direction_vectors(k)
        angles = np.arctan2(-v[:, 0], v[:, 1])  # y up
        np.testing.assert_allclose(np.exp(1j * angles), np.exp(2j * np.pi * np.arange(k) / k), atol=1e-12)
        assert np.all(np.abs(v).max(axis=1) == 1)


@pytest.mark.parametrize(
    "kwargs, exc, word",
    [
        ({"n_clips": 0}, ValueError, "n_clips"),
        ({"n_clips": 2.5}, TypeError, "n_clips"),
        ({"frames": 1}, ValueError, "frames"),
        ({"directions": 6}, ValueError, "directions"),
        ({"directions": "4"}, TypeError, "directions"),
        ({"step": 0}, ValueError, "step"),
        ({"zoom": 3}, ValueError, "zoom"),
        ({"size": 10}, ValueError, "size"),
        ({"seed": -1}, ValueError, "seed"),
    ],
)
def test_bad_arguments_name_the_argument(kwargs, exc, word):
    images = np.zeros((2, 28, 28), dtype=np.float32)
    with pytest.raises(exc, match=word):
        make_moving_digits(images, **kwargs)


def test_bad_inputs():
    with pytest.raises(ValueError, match="images"):
        make_moving_digits(np.zeros((28, 28)))
    with pytest.raises(ValueError, match="labels"):
        make_moving_digits(np.zeros((3, 28, 28)), labels=np.zeros(2))
    with pytest.raises(ValueError, match="split"):
        moving_digits("validation")
