"""conv_params against torch's own parameter count; conv_macs against torch's FLOP counter."""

from __future__ import annotations

import itertools

import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from convkit import conv_macs, conv_output_size, conv_params

TORCH_CONV = {1: torch.nn.Conv1d, 2: torch.nn.Conv2d, 3: torch.nn.Conv3d}
CHANNELS_GROUPS = [(1, 1, 1), (3, 16, 1), (4, 6, 2), (8, 8, 8), (8, 16, 8), (6, 9, 3)]  # (in, out, groups)
KERNELS = {1: [1, 3, (5,)], 2: [1, 3, (3, 1), (2, 5)], 3: [1, 3, (1, 3, 3), (3, 2, 1)]}


def _grid():
    for d, (cin, cout, g), bias in itertools.product([1, 2, 3], CHANNELS_GROUPS, [True, False]):
        for k in KERNELS[d]:
            yield pytest.param(d, cin, cout, k, g, bias, id=f"{d}d-{cin}-{cout}-k{k}-g{g}-b{bias}")


@pytest.mark.parametrize("d, cin, cout, k, g, bias", list(_grid()))
def test_conv_params_matches_torch(d, cin, cout, k, g, bias):
    layer = TORCH_CONV[d](cin, cout, k, groups=g, bias=bias)
    expected = sum(p.numel() for p in layer.parameters())
    got = conv_params(cin, cout, k, groups=g, bias=bias, ndim=d if isinstance(k, int) else None)
    assert type(got) is int and got == expected


def test_conv_params_int_kernel_defaults_to_2d():
    assert conv_params(3, 64, 3) == sum(p.numel() for p in torch.nn.Conv2d(3, 64, 3).parameters())


@pytest.mark.parametrize("d, cin, cout, k, g, bias", list(_grid()))
def test_conv_macs_matches_torch_flop_counter(d, cin, cout, k, g, bias):
    """torch's FlopCounterMode counts 2 FLOPs (a multiply and an add) per MAC and leaves out the bias."""
    size = (9, 8, 7)[:d]
    layer = TORCH_CONV[d](cin, cout, k, stride=2, padding=1, groups=g, bias=bias)
    x = torch.zeros((3, cin) + size)
    with FlopCounterMode(display=False) as counter:
        y = layer(x)
    expected = counter.get_total_flops() // 2 + (y.numel() if bias else 0)
    out_size = conv_output_size(size, k, stride=2, padding=1)
    assert out_size == tuple(y.shape[2:])
    got = conv_macs(cin, cout, k, out_size, groups=g, bias=bias, batch_size=3)
    assert type(got) is int and got == expected


def test_conv_macs_by_counting_multiplications_one_by_one():
    """An independent count: walk every output element and the taps its dot product uses."""
    cin, cout, g, kh, kw, oh, ow = 4, 6, 2, 3, 2, 5, 4
    macs = 0
    for _o, _y, _x in itertools.product(range(cout), range(oh), range(ow)):
        macs += len(list(itertools.product(range(cin // g), range(kh), range(kw))))
    assert conv_macs(cin, cout, (kh, kw), (oh, ow), groups=g, bias=False) == macs
    assert conv_macs(cin, cout, (kh, kw), (oh, ow), groups=g) == macs + cout * oh * ow


def test_conv_macs_int_sizes_are_2d_unless_ndim_says_otherwise():
    assert conv_macs(2, 3, 3, 4, bias=False) == 3 * 4 * 4 * 2 * 3 * 3
    assert conv_macs(2, 3, 3, 4, bias=False, ndim=3) == 3 * 4**3 * 2 * 3**3
    assert conv_macs(2, 3, 3, (4, 5, 6), bias=False) == 3 * 4 * 5 * 6 * 2 * 3**3


@pytest.mark.parametrize(
    "call, exc, match",
    [
        (lambda: conv_params(4, 6, 3, groups=4), ValueError, "groups=4 must divide out_channels"),
        (lambda: conv_params(6, 4, 3, groups=4), ValueError, "groups=4 must divide in_channels"),
        (lambda: conv_params(4, 6, 3, groups=0), ValueError, "groups must be positive"),
        (lambda: conv_params(4, 6, 3, groups=2.0), TypeError, "groups must be an int"),
        (lambda: conv_params(0, 6, 3), ValueError, "in_channels must be positive"),
        (lambda: conv_params(4, 0, 3), ValueError, "out_channels must be positive"),
        (lambda: conv_params(4.0, 6, 3), TypeError, "in_channels must be an int"),
        (lambda: conv_params(4, 6, 0), ValueError, "kernel_size must be positive"),
        (lambda: conv_params(4, 6, 2.5), TypeError, "kernel_size must be an int"),
        (lambda: conv_params(4, 6, (3, True)), TypeError, "kernel_size must be an int"),
        (lambda: conv_params(4, 6, 3, bias=1), TypeError, "bias must be a bool"),
        (lambda: conv_params(4, 6, (3, 3), ndim=3), ValueError, "ndim=3 does not match"),
        (lambda: conv_params(4, 6, 3, ndim=0), ValueError, "ndim must be positive"),
        (lambda: conv_macs(4, 6, 3, 0), ValueError, "output_size must be positive"),
        (lambda: conv_macs(4, 6, (3, 3), (5, 5, 5)), ValueError, "kernel_size and output_size must have the same length"),
        (lambda: conv_macs(4, 6, 3, 5, batch_size=-1), ValueError, "batch_size must be non-negative"),
        (lambda: conv_macs(4, 6, 3, 5, batch_size=2.0), TypeError, "batch_size must be an int"),
        (lambda: conv_macs(4, 6, 3, 5, groups=4), ValueError, "groups=4 must divide out_channels"),
        (lambda: conv_macs(4, 6, 3, 5, bias="yes"), TypeError, "bias must be a bool"),
    ],
)
def test_counting_bad_arguments(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
