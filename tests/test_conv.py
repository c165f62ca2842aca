"""convkit.functional.conv against PyTorch: the same computation in both, float64, over a grid of arguments.

The reference for every case is a ``torch.nn.Conv1d/2d/3d`` module carrying the
same weight and bias (the module, not the functional form, because only the
module has ``padding_mode``). Where torch refuses an argument combination,
convkit must refuse it too, with a ValueError.
"""

from __future__ import annotations

import itertools
import random
import zlib

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from convkit import conv1d, conv2d, conv3d, conv_output_size, corr2d

CONV = {1: conv1d, 2: conv2d, 3: conv3d}
TORCH_CONV = {1: torch.nn.Conv1d, 2: torch.nn.Conv2d, 3: torch.nn.Conv3d}

C_IN = 4
# groups: name -> (groups, out_channels); "depthwise" has groups = C_IN and a depth multiplier of 2
GROUPS = {"g1": (1, 6), "g2": (2, 6), "depthwise": (C_IN, 2 * C_IN)}
AXES = {
    "size": ["odd", "even", "mixed"],
    "kernel": [1, 2, 3, 4, 5, "rect"],
    "padding_mode": ["zeros", "reflect", "replicate", "circular"],
    "padding": [0, 1, 2, "tuple", "same", "valid"],
    "dilation": [1, 2, 3, "tuple"],
    "groups": list(GROUPS),
    "stride": [1, 2, 6, "tuple"],  # 6 is larger than most kernels: samples are skipped
    "batch": [None, 1, 3],  # None: unbatched (C, *spatial) input
    "bias": [True, False],
}
CASES_PER_DIM = {1: 400, 2: 400, 3: 200}


def _spatial(value, d, per_dim):
    """Expand an axis value to a d-tuple (the 'tuple' and 'mixed' values vary per dimension)."""
    return tuple(per_dim[i % len(per_dim)] for i in range(d)) if value in ("tuple", "mixed", "rect") else value


def _make_cases():
    rng = random.Random(20240611)
    full = list(itertools.product(*AXES.values()))
    cases = []
    for d, n in CASES_PER_DIM.items():
        for combo in rng.sample(full, n):
            cases.append(pytest.param(d, dict(zip(AXES, combo)), id=f"{d}d-" + "-".join(map(str, combo))))
    return cases


CASES = _make_cases()


def test_the_grid_covers_every_value_of_every_axis_in_every_dimensionality():
    for d in CASES_PER_DIM:
        seen = {axis: set() for axis in AXES}
        for case in CASES:
            cd, args = case.values
            if cd == d:
                for axis, value in args.items():
                    seen[axis].add(value)
        for axis, values in AXES.items():
            assert seen[axis] == set(values), f"{d}-D grid misses {set(values) - seen[axis]} of {axis}"


def _build(d, a, rng):
    size = {"odd": (7, 7, 5), "even": (8, 8, 6), "mixed": (7, 8, 5)}[a["size"]][:d] if d < 3 else {
        "odd": (5, 7, 5), "even": (6, 6, 4), "mixed": (5, 6, 7)}[a["size"]]
    kernel = _spatial(a["kernel"], d, (3, 2, 1)) if a["kernel"] == "rect" else (a["kernel"],) * d
    padding = _spatial(a["padding"], d, (1, 0, 2))
    dilation = _spatial(a["dilation"], d, (2, 1, 3))
    stride = _spatial(a["stride"], d, (2, 1, 3))
    groups, c_out = GROUPS[a["groups"]]
    shape = (C_IN,) + size if a["batch"] is None else (a["batch"], C_IN) + size
    x = rng.normal(size=shape)
    w = rng.normal(size=(c_out, C_IN // groups) + kernel)
    b = rng.normal(size=c_out) if a["bias"] else None
    kw = dict(stride=stride, padding=padding, dilation=dilation, groups=groups, padding_mode=a["padding_mode"])
    return x, w, b, kw


def torch_reference(d, x, w, b, *, stride, padding, dilation, groups, padding_mode):
    """torch.nn.ConvNd with the given weight and bias, float64; returns an ndarray or the exception."""
    module = TORCH_CONV[d](
        x.shape[-d - 1], w.shape[0], w.shape[2:], stride=stride, padding=padding, dilation=dilation,
        groups=groups, bias=b is not None, padding_mode=padding_mode, dtype=torch.float64,
    )
    with torch.no_grad():
        module.weight.copy_(torch.from_numpy(w))
        if b is not None:
            module.bias.copy_(torch.from_numpy(b))
        try:
            return module(torch.from_numpy(x)).numpy()
        except RuntimeError as exc:  # torch's way of refusing arguments
            return exc


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("d, args", CASES)
def test_convnd_matches_torch(d, args):
    rng = np.random.default_rng(zlib.crc32(repr(sorted(args.items())).encode()))
    x, w, b, kw = _build(d, args, rng)
    try:
        expected = torch_reference(d, x, w, b, **kw)
    except ValueError as exc:  # torch.nn.ConvNd refuses padding='same' with stride > 1 at construction
        expected = exc
    if isinstance(expected, Exception):
        with pytest.raises(ValueError, match="padding|weight"):
            CONV[d](x, w, b, **kw)
        return
    got = CONV[d](x, w, b, **kw)
    assert got.dtype == np.float64
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-10)


def _torch_refuses(d, a):
    """When torch refuses a grid case (worked out from the arguments, without running torch)."""
    x, w, _, kw = _build(d, a, np.random.default_rng(0))
    tup = lambda v: (v,) * d if isinstance(v, int) else tuple(v)  # noqa: E731
    size, k, s, dil = x.shape[-d:], w.shape[2:], tup(kw["stride"]), tup(kw["dilation"])
    if kw["padding"] == "same" and s != (1,) * d:
        return True
    total = [0] * d if kw["padding"] == "valid" else (
        [di * (ki - 1) for di, ki in zip(dil, k)] if kw["padding"] == "same" else [2 * p for p in tup(kw["padding"])])
    if kw["padding_mode"] == "reflect" and any(t - t // 2 >= n for t, n in zip(total, size)):
        return True
    if kw["padding_mode"] == "circular" and any(t - t // 2 > n for t, n in zip(total, size)):
        return True
    return any(n + t < di * (ki - 1) + 1 for n, t, di, ki in zip(size, total, dil, k))


def test_the_grid_compares_numbers_in_most_cases():
    """Guard against a grid where torch refuses nearly everything (then the test above proves little)."""
    refused = sum(_torch_refuses(*case.values) for case in CASES)
    assert refused < 0.35 * len(CASES), f"torch refuses {refused} of {len(CASES)} cases"


def test_the_refusal_predicate_agrees_with_torch_on_a_sample():
    for case in CASES[::25]:
        d, args = case.values
        x, w, b, kw = _build(d, args, np.random.default_rng(0))
        try:
            refused = isinstance(torch_reference(d, x, w, b, **kw), Exception)
        except ValueError:
            refused = True
        assert refused == _torch_refuses(d, args), case.id


@pytest.mark.parametrize("d", [1, 2, 3])
@pytest.mark.parametrize("padding_mode", ["zeros", "reflect", "replicate", "circular"])
def test_float32_stays_float32_and_matches_torch(d, padding_mode):
    rng = np.random.default_rng(d)
    x = rng.normal(size=(2, 4) + (6,) * d).astype(np.float32)
    w = rng.normal(size=(6, 2) + (3,) * d).astype(np.float32)
    b = rng.normal(size=6).astype(np.float32)
    kw = dict(stride=1, padding=1, dilation=1, groups=2, padding_mode=padding_mode)
    got = CONV[d](x, w, b, **kw)
    assert got.dtype == np.float32
    expected = torch_reference(d, x.astype(np.float64), w.astype(np.float64), b.astype(np.float64), **kw)
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4)


def test_integer_and_list_input_become_float64():
    out = conv2d([[[[1, 2], [3, 4]]]], [[[[1, 1], [1, 1]]]])
    assert out.dtype == np.float64 and out.tolist() == [[[[10.0]]]]


def test_non_contiguous_input_and_no_mutation():
    rng = np.random.default_rng(1)
    base = rng.normal(size=(2, 8, 11, 13))
    x = base[:, ::2, 1:, ::-1]  # strided, offset and reversed: the im2col view must use the real strides
    w = rng.normal(size=(5, 4, 3, 2))
    before = base.copy()
    got = conv2d(x, w, padding=(1, 2), stride=(2, 1), padding_mode="reflect")
    expected = torch_reference(2, np.ascontiguousarray(x), w, None, stride=(2, 1), padding=(1, 2), dilation=1,
                               groups=1, padding_mode="reflect")
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-10)
    np.testing.assert_array_equal(base, before)


def test_same_padding_puts_the_extra_row_and_column_at_the_end():
    """For an even kernel the total padding is odd; torch (and convkit) put the extra one at the end."""
    x = np.zeros((1, 1, 4, 4))
    x[0, 0, -1, -1] = 1.0  # bottom-right pixel
    w = np.zeros((1, 1, 2, 2))
    w[0, 0, 1, 1] = 1.0  # picks the pixel below-right of the window's anchor
    out = conv2d(x, w, padding="same")
    assert out.shape == (1, 1, 4, 4)
    # the output at (2, 2) reads input (3, 3): the padding went after, not before
    assert out[0, 0, 2, 2] == 1.0 and out.sum() == 1.0
    expected = F.conv2d(torch.from_numpy(x), torch.from_numpy(w), padding="same").numpy()
    np.testing.assert_array_equal(out, expected)


def test_one_by_one_convolution_is_a_matrix_product_over_channels():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(2, 5, 3, 4))
    w = rng.normal(size=(7, 5, 1, 1))
    np.testing.assert_allclose(conv2d(x, w), np.einsum("oc,nchw->nohw", w[:, :, 0, 0], x), rtol=1e-12)


def test_empty_batch():
    assert conv2d(np.zeros((0, 3, 5, 5)), np.zeros((2, 3, 3, 3))).shape == (0, 2, 3, 3)


# ---------------------------------------------------------------------------- corr2d

def test_corr2d_seed_example():
    out = corr2d([[0, 1, 2], [3, 4, 5], [6, 7, 8]], [[0, 1], [2, 3]])
    np.testing.assert_array_equal(out, [[19, 25], [37, 43]])


@pytest.mark.parametrize("h, w, kh, kw", [(3, 3, 1, 1), (5, 6, 2, 3), (6, 5, 5, 1), (4, 4, 4, 4), (7, 8, 3, 2)])
def test_corr2d_matches_torch(h, w, kh, kw):
    rng = np.random.default_rng(h * 100 + w)
    x, k = rng.normal(size=(h, w)), rng.normal(size=(kh, kw))
    expected = F.conv2d(torch.from_numpy(x)[None, None], torch.from_numpy(k)[None, None])[0, 0].numpy()
    np.testing.assert_allclose(corr2d(x, k), expected, rtol=1e-12, atol=1e-12)


def test_corr2d_is_not_a_flipped_convolution():
    x = np.arange(9.0).reshape(3, 3)
    k = np.array([[1.0, 0.0], [0.0, 0.0]])  # picks the top-left of each window
    np.testing.assert_array_equal(corr2d(x, k), x[:2, :2])


@pytest.mark.parametrize(
    "x, k, exc, match",
    [
        (np.zeros((3, 3, 1)), np.zeros((2, 2)), ValueError, "x must be 2-D"),
        (np.zeros((3, 3)), np.zeros(2), ValueError, "kernel must be 2-D"),
        (np.zeros((3, 3)), np.zeros((4, 2)), ValueError, "kernel .* larger than x"),
        (np.zeros((3, 3)), np.zeros((0, 2)), ValueError, "kernel must not be empty"),
        (np.array([["a"]]), np.zeros((1, 1)), TypeError, "x must hold real numbers"),
        (np.zeros((3, 3)), np.zeros((1, 1), complex), TypeError, "kernel must hold real numbers"),
    ],
)
def test_corr2d_bad_arguments(x, k, exc, match):
    with pytest.raises(exc, match=match):
        corr2d(x, k)


# ---------------------------------------------------------------------------- conv_output_size

@pytest.mark.parametrize(
    "i, k, s, p, d",
    [
        pytest.param(i, k, s, p, d, id=f"i{i}-k{k}-s{s}-p{p}-d{d}")
        for i, k, s, p, d in itertools.product([1, 5, 8, 13], [1, 2, 3, 5], [1, 2, 3], [0, 1, 2, "same", "valid"],
                                               [1, 2, 3])
    ],
)
def test_conv_output_size_matches_the_shape_torch_produces(i, k, s, p, d):
    x = torch.zeros(1, 1, i, dtype=torch.float64)
    w = torch.zeros(1, 1, k, dtype=torch.float64)
    try:
        expected = F.conv1d(x, w, stride=s, padding=p, dilation=d).shape[-1]
    except RuntimeError:
        expected = None
    if expected is None:
        with pytest.raises(ValueError, match="kernel_size|padding"):
            conv_output_size(i, k, s, p, d)
    else:
        got = conv_output_size(i, k, s, p, d)
        assert type(got) is int and got == expected
        assert conv_output_size((i, i + 1), k, s, p, d) == tuple(
            F.conv2d(torch.zeros(1, 1, i, i + 1), torch.zeros(1, 1, k, k), stride=s, padding=p,
                     dilation=d).shape[-2:])


def test_conv_output_size_elementwise_tuples():
    expected = F.conv3d(torch.zeros(1, 1, 9, 10, 11), torch.zeros(1, 1, 3, 2, 5), stride=(1, 2, 3),
                        padding=(0, 1, 2), dilation=(2, 1, 1)).shape[2:]
    assert conv_output_size((9, 10, 11), (3, 2, 5), (1, 2, 3), (0, 1, 2), (2, 1, 1)) == tuple(expected)


@pytest.mark.parametrize(
    "args, exc, match",
    [
        ((0, 3), ValueError, "input_size must be positive"),
        ((5, 0), ValueError, "kernel_size must be positive"),
        ((5, 3, 0), ValueError, "stride must be positive"),
        ((5, 3, 1, -1), ValueError, "padding must be non-negative"),
        ((5, 3, 1, 0, 0), ValueError, "dilation must be positive"),
        ((2, 3), ValueError, "kernel_size 3 .* greater than the padded input size 2"),
        ((5, 3, 2, "same"), ValueError, "padding='same' is not supported for strided"),
        ((5, 3, 1, "full"), ValueError, "padding must be"),
        ((5.0, 3), TypeError, "input_size must be an int"),
        ((5, True), TypeError, "kernel_size must be an int"),
        (((5, 6), (3, 3, 3)), ValueError, "same length"),
    ],
)
def test_conv_output_size_bad_arguments(args, exc, match):
    with pytest.raises(exc, match=match):
        conv_output_size(*args)


# ---------------------------------------------------------------------------- bad arguments of convNd

X2 = np.zeros((2, 4, 6, 6))
W2 = np.zeros((6, 2, 3, 3))


@pytest.mark.parametrize(
    "call, exc, match",
    [
        (lambda: conv2d(np.zeros((4, 6)), W2, groups=2), ValueError, r"input must be 3-D or 4-D"),
        (lambda: conv2d(np.zeros((1, 2, 4, 6, 6)), W2, groups=2), ValueError, r"input must be 3-D or 4-D"),
        (lambda: conv1d(X2, W2), ValueError, r"input must be 2-D or 3-D"),
        (lambda: conv3d(np.zeros((4, 6, 6)), W2), ValueError, r"input must be 4-D or 5-D"),
        (lambda: conv2d(X2, W2[:, :, 0], groups=2), ValueError, r"weight must be 4-D"),
        (lambda: conv2d(X2, W2), ValueError, r"input has 4 channels, but weight .* expects"),
        (lambda: conv2d(X2, np.zeros((5, 2, 3, 3)), groups=2), ValueError, r"weight has 5 output channels .* groups=2"),
        (lambda: conv2d(X2, np.zeros((6, 1, 3, 3)), groups=3), ValueError, r"input has 4 channels"),
        (lambda: conv2d(X2, W2, groups=0), ValueError, r"groups must be positive"),
        (lambda: conv2d(X2, W2, groups=2.0), TypeError, r"groups must be an int"),
        (lambda: conv2d(X2, W2, groups=True), TypeError, r"groups must be an int"),
        (lambda: conv2d(X2, W2, groups=2, stride=0), ValueError, r"stride must be positive"),
        (lambda: conv2d(X2, W2, groups=2, stride=(1, -1)), ValueError, r"stride must be positive"),
        (lambda: conv2d(X2, W2, groups=2, stride=1.5), TypeError, r"stride must be an int"),
        (lambda: conv2d(X2, W2, groups=2, stride=(1, 2, 3)), ValueError, r"stride must be an int or a tuple of 2"),
        (lambda: conv2d(X2, W2, groups=2, dilation=0), ValueError, r"dilation must be positive"),
        (lambda: conv2d(X2, W2, groups=2, dilation=(1, True)), TypeError, r"dilation must be an int"),
        (lambda: conv2d(X2, W2, groups=2, padding=-1), ValueError, r"padding must be non-negative"),
        (lambda: conv2d(X2, W2, groups=2, padding=(1, -2)), ValueError, r"padding must be non-negative"),
        (lambda: conv2d(X2, W2, groups=2, padding=1.0), TypeError, r"padding must be an int"),
        (lambda: conv2d(X2, W2, groups=2, padding="full"), ValueError, r"padding must be an int, a tuple of 2 ints, 'valid' or 'same'"),
        (lambda: conv2d(X2, W2, groups=2, padding="same", stride=2), ValueError, r"padding='same' is not supported for strided"),
        (lambda: conv2d(X2, W2, groups=2, padding_mode="mirror"), ValueError, r"padding_mode must be one of"),
        (lambda: conv2d(X2, W2, groups=2, padding_mode=None), TypeError, r"padding_mode must be a str"),
        (lambda: conv2d(X2, np.zeros((6, 2, 7, 3)), groups=2), ValueError, r"weight's kernel size \(7, 3\)"),
        (lambda: conv2d(X2, W2, groups=2, dilation=3), ValueError, r"weight's kernel size .*dilated to \(7, 7\)"),
        (lambda: conv2d(X2, np.zeros((6, 2, 0, 3)), groups=2), ValueError, r"weight must not be empty"),
        (lambda: conv2d(X2, W2, np.zeros(5), groups=2), ValueError, r"bias must be 1-D with 6 elements"),
        (lambda: conv2d(X2, W2, np.zeros((6, 1)), groups=2), ValueError, r"bias must be 1-D"),
        (lambda: conv2d(X2.astype(complex), W2, groups=2), TypeError, r"input must hold real numbers"),
        (lambda: conv2d(X2, W2, groups=2, padding=6, padding_mode="reflect"), ValueError, r"padding \(6, 6\) with padding_mode='reflect' must be smaller"),
        (lambda: conv1d(X2[:, :, 0], W2[:, :, 0], groups=2, padding=7, padding_mode="circular"), ValueError, r"padding \(7, 7\) with padding_mode='circular' must be at most"),
    ],
)
def test_convnd_bad_arguments(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


@pytest.mark.parametrize("block_bytes", [1, 3000, 20000, 10**9])
@pytest.mark.parametrize("d", [1, 2, 3])
def test_blocked_im2col_gives_the_same_result_for_any_block_size(monkeypatch, d, block_bytes):
    """conv splits the im2col matrix into blocks of samples or output rows; the split must not matter.
    block_bytes=1 gives one output row per block, 3000 several rows (with a remainder), 20000 several
    samples per block (with a remainder), 10**9 a single block."""
    import convkit.functional.conv

    monkeypatch.setattr(convkit.functional.conv, "_BLOCK_BYTES", block_bytes)
    rng = np.random.default_rng(d)
    x = rng.normal(size=(5, 4) + (9, 7, 6)[:d])
    w = rng.normal(size=(6, 2) + (3, 2, 3)[:d])
    b = rng.normal(size=6)
    kw = dict(stride=(2, 1, 1)[:d], padding=(1, 0, 2)[:d], dilation=1, groups=2, padding_mode="zeros")
    expected = torch_reference(d, x, w, b, **kw)
    np.testing.assert_allclose(CONV[d](x, w, b, **kw), expected, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(CONV[d](x[0], w, b, **kw), expected[0], rtol=1e-10, atol=1e-10)


def test_scratch_buffers_reused_between_calls_do_not_leak_old_values():
    """conv keeps its padded input and im2col buffers between calls; stale values must never show."""
    rng = np.random.default_rng(11)
    calls = [((2, 3, 12, 10), 3, (1, 2)), ((1, 3, 5, 6), 1, 1), ((3, 3, 7, 7), (2, 0), (2, 1)), ((1, 3, 4, 4), 1, 1)]
    for shape, padding, stride in calls:
        x = rng.normal(size=shape) * 100.0  # large values: a stale border would be obvious
        w = rng.normal(size=(2, 3, 3, 3))
        expected = torch_reference(2, x, w, None, stride=stride, padding=padding, dilation=1, groups=1,
                                   padding_mode="zeros")
        np.testing.assert_allclose(conv2d(x, w, stride=stride, padding=padding), expected, rtol=1e-10, atol=1e-8)


def test_results_are_not_shared_between_calls_or_threads():
    from concurrent.futures import ThreadPoolExecutor

    rng = np.random.default_rng(12)
    xs = [rng.normal(size=(2, 3, 9, 9)) for _ in range(8)]
    w = rng.normal(size=(4, 3, 3, 3))
    first = conv2d(xs[0], w, padding=1)
    kept = first.copy()
    conv2d(xs[1], w, padding=1)
    np.testing.assert_array_equal(first, kept)  # an earlier result is not overwritten by a later call
    with ThreadPoolExecutor(max_workers=4) as pool:
        outs = list(pool.map(lambda x: conv2d(x, w, padding=1), xs * 4))
    for x, out in zip(xs * 4, outs):
        np.testing.assert_allclose(out, torch_reference(2, x, w, None, stride=1, padding=1, dilation=1, groups=1,
                                                        padding_mode="zeros"), rtol=1e-10, atol=1e-10)
