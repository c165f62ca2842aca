"""convkit.functional.upsampling.interpolate against torch.nn.functional.interpolate (float64)."""

import itertools

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from convkit.functional.upsampling import interpolate

RNG = np.random.default_rng(8)

IN_SIZES = [(1, 1), (2, 3), (5, 4), (7, 7)]
OUT_SIZES = [1, 2, 3, (4, 9), (10, 6), 14]
SCALES = [0.5, 1.0, 1.5, 2, 3, (2.0, 0.75), 2.3, 1 / 3]


def _torch(x, **kwargs):
    return F.interpolate(torch.from_numpy(x), **kwargs).numpy()


def _cases():
    for mode, align in [("nearest", None), ("bilinear", None), ("bilinear", False), ("bilinear", True)]:
        for in_size in IN_SIZES:
            for out in OUT_SIZES:
                yield mode, align, in_size, {"size": out}
            for sf in SCALES:
                yield mode, align, in_size, {"scale_factor": sf}


@pytest.mark.parametrize("mode,align,in_size,kwargs", list(_cases()))
def test_interpolate_matches_torch(mode, align, in_size, kwargs):
    x = RNG.standard_normal((2, 3, *in_size))
    try:
        expected = _torch(x, mode=mode, align_corners=align, **kwargs)
    except RuntimeError:  # torch refuses an empty output; so must we
        with pytest.raises(ValueError, match="scale_factor"):
            interpolate(x, mode=mode, align_corners=align, **kwargs)
        return
    got = interpolate(x, mode=mode, align_corners=align, **kwargs)
    assert got.shape == expected.shape
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("in_size,out_size", list(itertools.product([3, 7, 13, 31], [5, 11, 29, 47, 97])))
def test_nearest_index_rounding_matches_torch(in_size, out_size):
    # torch computes nearest indices in float32; odd ratios are where a float64 rewrite would drift
    x = np.arange(in_size * in_size, dtype=np.float64).reshape(1, 1, in_size, in_size)
    np.testing.assert_array_equal(interpolate(x, size=out_size), _torch(x, size=out_size))
    sf = out_size / in_size
    np.testing.assert_array_equal(interpolate(x, scale_factor=sf), _torch(x, scale_factor=sf))


def test_real_photo_matches_torch():
    from skimage import data

    img = data.camera()[::8, ::8].astype(np.float64)[None, None] / 255.0
    for mode, align in [("nearest", None), ("bilinear", False), ("bilinear", True)]:
        got = interpolate(img, scale_factor=3, mode=mode, align_corners=align)
        np.testing.assert_allclose(got, _torch(img, scale_factor=3, mode=mode, align_corners=align), atol=1e-12)


def test_nearest_keeps_dtype_and_bilinear_constant_is_exact():
    x = np.arange(12, dtype=np.uint8).reshape(1, 1, 3, 4)
    assert interpolate(x, scale_factor=2).dtype == np.uint8
    const = np.full((1, 2, 3, 5), 0.7)
    for align in (False, True):
        np.testing.assert_allclose(interpolate(const, size=(8, 11), mode="bilinear", align_corners=align), 0.7)


def test_float32_input_stays_float32():
    x = RNG.standard_normal((1, 1, 4, 4)).astype(np.float32)
    got = interpolate(x, scale_factor=2, mode="bilinear")
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, _torch(x, scale_factor=2, mode="bilinear"), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize(
    "kwargs,exc,word",
    [
        ({"size": 4, "scale_factor": 2}, ValueError, "size"),
        ({}, ValueError, "scale_factor"),
        ({"size": 4, "mode": "bicubic"}, ValueError, "mode"),
        ({"size": 4, "mode": "nearest", "align_corners": True}, ValueError, "align_corners"),
        ({"size": 4, "mode": "bilinear", "align_corners": 1}, TypeError, "align_corners"),
        ({"size": 0}, ValueError, "size"),
        ({"size": 2.5}, TypeError, "size"),
        ({"size": (2, 3, 4)}, ValueError, "size"),
        ({"scale_factor": -1.0}, ValueError, "scale_factor"),
        ({"scale_factor": "2"}, TypeError, "scale_factor"),
        ({"scale_factor": 0.1}, ValueError, "scale_factor"),
    ],
)
def test_bad_arguments(kwargs, exc, word):
    x = np.zeros((1, 1, 3, 3))
    with pytest.raises(exc, match=word):
        interpolate(x, **kwargs)


@pytest.mark.parametrize("bad,exc", [([[1.0]], TypeError), (np.zeros((3, 3)), ValueError), (np.zeros((1, 1, 2, 2), dtype=complex), TypeError)])
def test_bad_input(bad, exc):
    with pytest.raises(exc, match="input"):
        interpolate(bad, size=2)
