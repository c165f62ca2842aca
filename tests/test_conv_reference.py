"""The fast convolution (convkit.functional.conv: blocked im2col, scratch buffers) equals the short
reference path (convkit.functional.conv_reference: sliding windows + tensordot) over a grid of
arguments, and the reference equals PyTorch."""

import itertools

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import convkit
from convkit.functional.conv_reference import conv_reference

FAST = {1: convkit.conv1d, 2: convkit.conv2d, 3: convkit.conv3d}
TORCH = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}
SIZES = {1: (11,), 2: (9, 8), 3: (6, 7, 5)}
KERNELS = {1: (3,), 2: (3, 2), 3: (2, 3, 2)}

GRID = [
    (d, stride, padding, dilation, groups, batched, bias)
    for d in (1, 2, 3)
    for stride, padding, dilation in itertools.product((1, 2), (0, 1), (1, 2))
    for groups in (1, 2)
    for batched, bias in ((True, True), (False, False))
]


@pytest.mark.parametrize("d, stride, padding, dilation, groups, batched, bias", GRID)
def test_fast_path_equals_reference_and_torch(d, stride, padding, dilation, groups, batched, bias):
    rng = np.random.default_rng(hash((d, stride, padding, dilation, groups)) % 2**32)
    c_in, c_out = 4, 6
    x = rng.normal(size=(2, c_in, *SIZES[d]) if batched else (c_in, *SIZES[d]))
    w = rng.normal(size=(c_out, c_in // groups, *KERNELS[d]))
    b = rng.normal(size=c_out) if bias else None
    kw = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    ref = conv_reference(x, w, b, **kw)
    fast = FAST[d](x, w, b, **kw)
    assert fast.shape == ref.shape and fast.dtype == ref.dtype
    np.testing.assert_allclose(fast, ref, rtol=1e-12, atol=1e-12)
    tb = None if b is None else torch.from_numpy(b)
    want = TORCH[d](torch.from_numpy(x), torch.from_numpy(w), tb, **kw).numpy()
    np.testing.assert_allclose(ref, want, rtol=1e-12, atol=1e-12)


def test_reference_keeps_float32_and_rejects_what_the_fast_path_rejects():
    x = np.ones((1, 2, 5, 5), np.float32)
    assert conv_reference(x, np.ones((3, 2, 3, 3))).dtype == np.float32
    for kw, exc in ((dict(stride=0), ValueError), (dict(padding=-1), ValueError),
                    (dict(groups=0), ValueError), (dict(stride=1.5), TypeError)):
        with pytest.raises(exc) as ref_err:
            conv_reference(x, np.ones((3, 2, 3, 3)), **kw)
        with pytest.raises(exc) as fast_err:
            convkit.conv2d(x, np.ones((3, 2, 3, 3)), **kw)
        assert str(ref_err.value) == str(fast_err.value)
