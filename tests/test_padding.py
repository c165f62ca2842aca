"""convkit.pad against torch.nn.functional.pad, float64, over a grid of pads, modes and ranks."""

from __future__ import annotations

import itertools
import random

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from convkit import pad

MODES = ["constant", "reflect", "replicate", "circular"]
SHAPES = {1: (2, 3, 5), 2: (2, 3, 5, 4), 3: (1, 2, 4, 5, 3)}  # batched inputs for 1-, 2- and 3-D pads
PAD_VALUES = [-1, 0, 1, 2, 3, 4, 5]


def _cases():
    rng = random.Random(7)
    cases = []
    for nd, mode in itertools.product([1, 2, 3], MODES):
        all_pads = list(itertools.product(PAD_VALUES, repeat=2 * nd))
        chosen = all_pads if nd == 1 else rng.sample(all_pads, 60)
        cases += [pytest.param(nd, mode, p, id=f"{mode}-{p}") for p in chosen]
    return cases


def _torch_is_out_of_bounds(x_shape, pads, mode):
    """torch's circular mode checks the pad against the *uncropped* size and then reads outside the
    cropped array (garbage values or an aliasing error). convkit refuses these; see the test below."""
    if mode != "circular":
        return False
    for i in range(len(pads) // 2):
        size = x_shape[-1 - i] - max(-pads[2 * i], 0) - max(-pads[2 * i + 1], 0)
        if max(pads[2 * i], pads[2 * i + 1]) > size:
            return True
    return False


@pytest.mark.parametrize("nd, mode, pads", _cases())
def test_pad_matches_torch(nd, mode, pads):
    x = np.random.default_rng(sum(pads) + 10 * nd).normal(size=SHAPES[nd])
    if _torch_is_out_of_bounds(x.shape, pads, mode):
        with pytest.raises(ValueError, match="pad .* 'circular' must be at most"):
            pad(x, pads, mode=mode)
        return
    try:
        expected = F.pad(torch.from_numpy(x), pads, mode=mode).numpy()
    except RuntimeError as exc:
        expected = exc
    if isinstance(expected, Exception):
        with pytest.raises(ValueError, match="pad"):
            pad(x, pads, mode=mode)
        return
    got = pad(x, pads, mode=mode)
    assert got.dtype == np.float64 and got.shape == expected.shape
    np.testing.assert_array_equal(got, expected)
    assert got.base is None or not np.shares_memory(got, x)  # a new array, as torch returns


def test_the_pad_grid_compares_numbers_in_most_cases():
    compared = 0
    cases = _cases()
    for case in cases:
        nd, mode, pads = case.values
        if _torch_is_out_of_bounds(SHAPES[nd], pads, mode):
            continue
        try:
            F.pad(torch.zeros(SHAPES[nd], dtype=torch.float64), pads, mode=mode)
            compared += 1
        except RuntimeError:
            pass
    assert compared > 0.6 * len(cases)


def test_circular_crop_then_pad_beyond_the_cropped_size_is_refused():
    # torch: pad (-1, 4) on a length-4 signal crops to 3 and then needs 4 values from 3 (reads out of bounds)
    with pytest.raises(ValueError, match="at most dimension 0 of input .*size 3 after cropping"):
        pad(np.arange(4.0), (-1, 4), mode="circular")


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("shape, pads", [((5,), (2, 1)), ((4, 5), (1, 0, 2, 3)), ((3, 4, 3), (1, 2, 0, 1, 1, 1)),
                                         ((2, 3, 4, 5, 6, 3), (1, 2, 0, 1, 2, 1)), ((2, 3, 4, 5), (2, 1))])
def test_pad_on_ranks_torch_does_not_take_for_non_constant_modes(mode, shape, pads):
    """torch's non-constant modes want exactly one or two dims in front of the padded ones; convkit takes
    any number. Reference: fold the leading dims into one, pad with torch, unfold."""
    k = len(pads) // 2
    x = np.random.default_rng(3).normal(size=shape)
    folded = F.pad(torch.from_numpy(x.reshape((-1,) + shape[-k:])), pads, mode=mode).numpy()
    expected = folded.reshape(shape[:-k] + folded.shape[1:])
    np.testing.assert_array_equal(pad(x, pads, mode=mode), expected)


def test_constant_value_and_zeros_alias():
    x = np.arange(6.0).reshape(2, 3)
    got = pad(x, (1, 2, 0, 1), value=-7.5)
    np.testing.assert_array_equal(got, F.pad(torch.from_numpy(x), (1, 2, 0, 1), value=-7.5).numpy())
    np.testing.assert_array_equal(pad(x, (1, 1), mode="zeros"), pad(x, (1, 1), mode="constant"))


def test_dtypes():
    assert pad(np.zeros((2, 2), np.float32), (1, 1), mode="reflect").dtype == np.float32
    assert pad([[1, 2], [3, 4]], (1, 1)).dtype == np.float64
    out = pad(np.ones((1, 2), np.float32), (0, 1), value=0.5)
    assert out.dtype == np.float32 and out.tolist() == [[1.0, 1.0, 0.5]]


def test_empty_pad_is_a_copy():
    x = np.ones((2, 3))
    out = pad(x, ())
    np.testing.assert_array_equal(out, x)
    out[0, 0] = 5.0
    assert x[0, 0] == 1.0


@pytest.mark.parametrize(
    "args, kwargs, exc, match",
    [
        ((np.zeros((2, 3)), (1, 1, 1)), {}, ValueError, "pad must have an even length"),
        ((np.zeros((2, 3)), (1, 1) * 3), {}, ValueError, "pad has 6 entries.*only 2 dimension"),
        ((np.zeros((2, 3)), (1.0, 1)), {}, TypeError, "pad must be an int"),
        ((np.zeros((2, 3)), (True, 1)), {}, TypeError, "pad must be an int"),
        ((np.zeros((2, 3)), 1), {}, TypeError, "pad must be a tuple of ints"),
        ((np.zeros((2, 3)), "11"), {}, TypeError, "pad must be a tuple of ints"),
        ((np.zeros((2, 3)), (1, 1)), {"mode": "mirror"}, ValueError, "mode must be one of"),
        ((np.zeros((2, 3)), (1, 1)), {"mode": 3}, TypeError, "mode must be a str"),
        ((np.zeros((2, 3)), (1, 1)), {"mode": "reflect", "value": 1.0}, ValueError, "value is only used by mode='constant'"),
        ((np.zeros((2, 3)), (1, 1)), {"value": "1"}, TypeError, "value must be a real number"),
        ((np.zeros((2, 3)), (1, 1)), {"value": 1j}, TypeError, "value must be a real number"),
        ((np.zeros((2, 3)), (3, 0)), {"mode": "reflect"}, ValueError, r"pad \(3, 0\) for mode 'reflect' must be smaller"),
        ((np.zeros((2, 3)), (0, 4)), {"mode": "circular"}, ValueError, r"pad \(0, 4\) for mode 'circular' must be at most"),
        ((np.zeros((2, 0)), (1, 1)), {"mode": "replicate"}, ValueError, "'replicate' needs a non-empty dimension"),
        ((np.zeros((2, 3)), (-2, -2)), {}, ValueError, "pad crops 4 entries from dimension 1"),
        ((np.array([[1j]]), (1, 1)), {}, TypeError, "input must hold real numbers"),
    ],
)
def test_pad_bad_arguments(args, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        pad(*args, **kwargs)
