"""convkit.functional.transposed against PyTorch (float64): the convolution matrix, its transpose,
transposed convolution, its output size and the backward pass of conv2d."""

import itertools

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from convkit.functional.transposed import conv2d_backward, conv_matrix, conv_transpose2d, conv_transpose_output_size

RNG = np.random.default_rng(2026)


def t(a):
    return torch.from_numpy(np.ascontiguousarray(a))


def _conv_out(size, k, s, p, d):
    return (size + 2 * p - d * (k - 1) - 1) // s + 1


# ----------------------------------------------------------------------------------------------
# conv_matrix
# ----------------------------------------------------------------------------------------------
MATRIX_GRID = [
    # (c_out, c_in, (H, W), (kH, kW), stride, padding, dilation)
    (c_out, c_in, size, k, s, p, d)
    for (c_out, c_in) in [(1, 1), (3, 2)]
    for size in [(4, 4), (5, 7)]
    for k in [(1, 1), (3, 3), (2, 3)]
    for s in [1, 2, (3, 1)]
    for p in [0, 1, (2, 0)]
    for d in [1, 2]
    if _conv_out(size[0], k[0], s if isinstance(s, int) else s[0], p if isinstance(p, int) else p[0], d) >= 1
    and _conv_out(size[1], k[1], s if isinstance(s, int) else s[1], p if isinstance(p, int) else p[1], d) >= 1
]


@pytest.mark.parametrize("c_out,c_in,size,k,s,p,d", MATRIX_GRID)
def test_conv_matrix_times_x_is_conv2d(c_out, c_in, size, k, s, p, d):
    w = RNG.standard_normal((c_out, c_in, *k))
    x = RNG.standard_normal((c_in, *size))
    C = conv_matrix(w, size, stride=s, padding=p, dilation=d)
    y = F.conv2d(t(x)[None], t(w), stride=s, padding=p, dilation=d)[0].numpy()
    assert C.shape == (y.size, x.size)
    np.testing.assert_allclose(C @ x.reshape(-1), y.reshape(-1), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("c_out,c_in,size,k,s,p,d", MATRIX_GRID)
def test_conv_matrix_transpose_is_conv_transpose2d(c_out, c_in, size, k, s, p, d):
    w = RNG.standard_normal((c_out, c_in, *k))
    C = conv_matrix(w, size, stride=s, padding=p, dilation=d)
    sh, sw = (s, s) if isinstance(s, int) else s
    ph, pw = (p, p) if isinstance(p, int) else p
    ho, wo = _conv_out(size[0], k[0], sh, ph, d), _conv_out(size[1], k[1], sw, pw, d)
    y = RNG.standard_normal((c_out, ho, wo))
    # output_padding recovers the rows/columns a strided convolution never reached
    op = tuple(
        n + 2 * pp - d * (kk - 1) - 1 - (o - 1) * ss for n, pp, kk, o, ss in zip(size, (ph, pw), k, (ho, wo), (sh, sw))
    )
    expected = F.conv_transpose2d(t(y)[None], t(w), stride=s, padding=p, output_padding=op, dilation=d)[0].numpy()
    assert expected.shape == (c_in, *size)
    np.testing.assert_allclose(C.T @ y.reshape(-1), expected.reshape(-1), rtol=1e-12, atol=1e-12)
    # ... and convkit's own conv_transpose2d is the same C^T: the adjoint identity <Cx, y> = <x, C^T y>
    x = RNG.standard_normal((c_in, *size))
    ours = conv_transpose2d(y, w, stride=s, padding=p, output_padding=op, dilation=d)
    np.testing.assert_allclose(np.vdot(C @ x.reshape(-1), y.reshape(-1)), np.vdot(x, ours), rtol=1e-10)


def test_conv_matrix_single_channel_layout_and_sparsity():
    # the seed's example: 4x4 input, 3x3 kernel, stride 1, no padding -> a 4x16 matrix
    w = np.arange(1.0, 10.0).reshape(3, 3)
    C = conv_matrix(w, (4, 4))
    assert C.shape == (4, 16)
    assert np.count_nonzero(C) == 4 * 9  # each row holds the 9 weights and 7 zeros
    expected_row0 = np.zeros((4, 4))
    expected_row0[:3, :3] = w
    np.testing.assert_array_equal(C[0], expected_row0.reshape(-1))
    expected_row3 = np.zeros((4, 4))
    expected_row3[1:, 1:] = w
    np.testing.assert_array_equal(C[3], expected_row3.reshape(-1))
    # the 2-D weight gives the same matrix as a (1, 1, kH, kW) one
    np.testing.assert_array_equal(C, conv_matrix(w[None, None], 4))


def test_conv_matrix_keeps_float32():
    assert conv_matrix(np.ones((2, 2), dtype=np.float32), 3).dtype == np.float32
    assert conv_matrix(np.ones((2, 2), dtype=np.int64), 3).dtype == np.float64


@pytest.mark.parametrize(
    "kwargs,exc,word",
    [
        ({"weight": [[1.0]]}, TypeError, "weight"),
        ({"weight": np.ones(3)}, ValueError, "weight"),
        ({"weight": np.ones((1, 2, 3))}, ValueError, "weight"),
        ({"input_size": 1}, ValueError, "input_size"),
        ({"input_size": (4, 4, 4)}, ValueError, "input_size"),
        ({"input_size": 4.0}, TypeError, "input_size"),
        ({"stride": 0}, ValueError, "stride"),
        ({"stride": True}, TypeError, "stride"),
        ({"padding": -1}, ValueError, "padding"),
        ({"dilation": 0}, ValueError, "dilation"),
    ],
)
def test_conv_matrix_bad_arguments(kwargs, exc, word):
    args = {"weight": np.ones((3, 3)), "input_size": (4, 4)}
    args.update(kwargs)
    with pytest.raises(exc, match=word):
        conv_matrix(**args)


# ----------------------------------------------------------------------------------------------
# conv_transpose_output_size
# ----------------------------------------------------------------------------------------------
SIZE_GRID = list(itertools.product([1, 2, 5, 8], [1, 2, 3, 4], [1, 2, 3], [0, 1, 2], [0, 1, 2], [1, 2, 3]))


@pytest.mark.parametrize("i,k,s,p,op,d", SIZE_GRID)
def test_output_size_matches_torch(i, k, s, p, op, d):
    x = torch.zeros(1, 1, i, i + 1, dtype=torch.float64)
    w = torch.zeros(1, 1, k, k, dtype=torch.float64)
    try:
        shape = F.conv_transpose2d(x, w, stride=s, padding=p, output_padding=op, dilation=d).shape[2:]
    except RuntimeError as err:
        word = "output_padding" if "output padding" in str(err) else "padding"
        with pytest.raises(ValueError, match=word):
            conv_transpose_output_size((i, i + 1), k, s, p, op, d)
        return
    assert conv_transpose_output_size((i, i + 1), k, s, p, op, d) == tuple(shape)
    got = conv_transpose_output_size(i, k, stride=s, padding=p, output_padding=op, dilation=d)
    assert type(got) is int and got == shape[0]
    assert got == (i - 1) * s - 2 * p + d * (k - 1) + op + 1


@pytest.mark.parametrize("i,k,s,p,d", list(itertools.product([1, 4, 7], [1, 2, 3], [1, 2, 3], [0, 1], [1, 2])))
def test_output_size_inverts_conv_size(i, k, s, p, d):
    # a stride-s convolution maps up to s input sizes onto i; output_padding picks each one back
    sources = [n for n in range(1, 40) if _conv_out(n, k, s, p, d) == i]
    base = (i - 1) * s - 2 * p + d * (k - 1) + 1
    assert sources == [n for n in range(base, base + s) if n >= 1]
    for n in sources:
        assert conv_transpose_output_size(i, k, s, p, n - base, d) == n


def test_output_size_tuples_per_dimension():
    assert conv_transpose_output_size((3, 4), (3, 1), stride=(2, 3), padding=(1, 0), output_padding=(1, 2)) == (6, 12)


@pytest.mark.parametrize(
    "kwargs,exc,word",
    [
        ({"output_padding": 2, "stride": 2}, ValueError, "output_padding"),
        ({"output_padding": 1}, ValueError, "output_padding"),
        ({"padding": 5}, ValueError, "padding"),
        ({"input_size": 0}, ValueError, "input_size"),
        ({"kernel_size": 0}, ValueError, "kernel_size"),
        ({"kernel_size": 2.0}, TypeError, "kernel_size"),
        ({"stride": (1, 2, 3)}, ValueError, "stride"),
        ({"dilation": None}, TypeError, "dilation"),
    ],
)
def test_output_size_bad_arguments(kwargs, exc, word):
    args = {"input_size": 3, "kernel_size": 3}
    args.update(kwargs)
    with pytest.raises(exc, match=word):
        conv_transpose_output_size(**args)


# ----------------------------------------------------------------------------------------------
# conv_transpose2d
# ----------------------------------------------------------------------------------------------
TRANSPOSE_GRID = [
    # (N, C_in, C_out/groups, groups, (H, W), (kH, kW), stride, padding, output_padding, dilation)
    (2, 2, 3, 1, (3, 4), (3, 3), 1, 0, 0, 1),
    (1, 1, 1, 1, (1, 1), (1, 1), 1, 0, 0, 1),
    (2, 3, 2, 1, (4, 4), (3, 3), 2, 1, 1, 1),
    (1, 2, 2, 1, (5, 3), (2, 3), (2, 3), (0, 1), (1, 2), 1),
    (2, 4, 3, 2, (3, 3), (3, 2), 2, 0, 0, 2),
    (1, 6, 1, 3, (4, 5), (3, 3), 3, 2, 2, (1, 2)),
    (2, 4, 2, 4, (2, 6), (4, 4), 2, 1, 0, 1),
    (1, 2, 3, 1, (5, 5), (3, 3), 1, 1, 1, 2),
    (1, 1, 2, 1, (4, 3), (5, 1), 1, (2, 0), 0, (2, 1)),
    (3, 2, 2, 2, (6, 2), (1, 1), 4, 0, 3, 1),
]


@pytest.mark.parametrize("n,c_in,c_out_g,g,size,k,s,p,op,d", TRANSPOSE_GRID)
@pytest.mark.parametrize("with_bias", [False, True])
def test_conv_transpose2d_matches_torch(n, c_in, c_out_g, g, size, k, s, p, op, d, with_bias):
    x = RNG.standard_normal((n, c_in, *size))
    w = RNG.standard_normal((c_in, c_out_g, *k))
    b = RNG.standard_normal(c_out_g * g) if with_bias else None
    got = conv_transpose2d(x, w, b, s, p, op, g, d)
    expected = F.conv_transpose2d(t(x), t(w), None if b is None else t(b), s, p, op, g, d).numpy()
    assert got.shape == expected.shape and got.dtype == np.float64
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("s,p,op,d,k", list(itertools.product([1, 2, 3], [0, 1, 2], [0, 1, 2], [1, 2], [1, 2, 3])))
def test_conv_transpose2d_square_grid(s, p, op, d, k):
    if op >= max(s, d) or (4 - 1) * s - 2 * p + d * (k - 1) + op + 1 < 1:
        return  # torch refuses these; test_output_size_matches_torch checks that we do too
    x = RNG.standard_normal((1, 2, 4, 4))
    w = RNG.standard_normal((2, 3, k, k))
    got = conv_transpose2d(x, w, stride=s, padding=p, output_padding=op, dilation=d)
    expected = F.conv_transpose2d(t(x), t(w), stride=s, padding=p, output_padding=op, dilation=d).numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


def test_conv_transpose2d_unbatched_and_float32():
    x = RNG.standard_normal((2, 3, 3))
    w = RNG.standard_normal((2, 1, 2, 2))
    got = conv_transpose2d(x, w, stride=2)
    np.testing.assert_allclose(got, F.conv_transpose2d(t(x), t(w), stride=2).numpy(), atol=1e-12)
    assert got.shape == (1, 6, 6)
    x32, w32 = x.astype(np.float32), w.astype(np.float32)
    assert conv_transpose2d(x32, w32).dtype == np.float32


def test_conv_transpose2d_equals_zero_insertion_pad_flip():
    # the textbook construction, written out: insert s-1 zeros, pad d(k-1)-p (plus output_padding
    # at the bottom/right), correlate with the flipped, channel-swapped kernel
    s, p, op, d, k = 3, 1, 2, 1, 3
    x = RNG.standard_normal((1, 2, 4, 5))
    w = RNG.standard_normal((2, 3, k, k))
    h, wd = x.shape[2:]
    z = np.zeros((1, 2, (h - 1) * s + 1, (wd - 1) * s + 1))
    z[:, :, ::s, ::s] = x
    e = d * (k - 1) - p
    z = np.pad(z, ((0, 0), (0, 0), (e, e + op), (e, e + op)))
    flipped = np.flip(w, axis=(2, 3)).transpose(1, 0, 2, 3)
    via_conv = F.conv2d(t(z), t(flipped.copy()), dilation=d).numpy()
    np.testing.assert_allclose(conv_transpose2d(x, w, stride=s, padding=p, output_padding=op, dilation=d), via_conv, atol=1e-12)


@pytest.mark.parametrize(
    "args,kwargs,exc,word",
    [
        ((np.ones((1, 2, 3, 3)), np.ones((3, 1, 2, 2))), {}, ValueError, "weight"),
        ((np.ones((1, 2, 3, 3)), np.ones((2, 1, 2))), {}, ValueError, "weight"),
        ((np.ones((2, 3, 3)).tolist(), np.ones((2, 1, 2, 2))), {}, TypeError, "input"),
        ((np.ones((3, 3)), np.ones((1, 1, 2, 2))), {}, ValueError, "input"),
        ((np.ones((1, 3, 3, 3)), np.ones((3, 1, 2, 2))), {"groups": 2}, ValueError, "groups"),
        ((np.ones((1, 2, 3, 3)), np.ones((2, 1, 2, 2))), {"groups": 0}, ValueError, "groups"),
        ((np.ones((1, 2, 3, 3)), np.ones((2, 1, 2, 2))), {"bias": np.ones(2)}, ValueError, "bias"),
        ((np.ones((1, 2, 3, 3)), np.ones((2, 1, 2, 2))), {"stride": 0}, ValueError, "stride"),
        ((np.ones((1, 2, 3, 3)), np.ones((2, 1, 2, 2))), {"output_padding": 1}, ValueError, "output_padding"),
        ((np.ones((1, 2, 3, 3)), np.ones((2, 1, 2, 2))), {"padding": 3}, ValueError, "padding"),
        ((np.ones((1, 2, 3, 3)), np.ones((2, 1, 2, 2))), {"dilation": 1.5}, TypeError, "dilation"),
    ],
)
def test_conv_transpose2d_bad_arguments(args, kwargs, exc, word):
    with pytest.raises(exc, match=word):
        conv_transpose2d(*args, **kwargs)


# ----------------------------------------------------------------------------------------------
# conv2d_backward
# ----------------------------------------------------------------------------------------------
BACKWARD_GRID = [
    # (N, C_in, C_out, groups, (H, W), (kH, kW), stride, padding, dilation)
    (1, 1, 1, 1, (4, 4), (3, 3), 1, 0, 1),
    (2, 3, 2, 1, (7, 6), (3, 3), 2, 1, 1),
    (2, 2, 4, 1, (8, 9), (3, 2), (2, 3), (1, 0), 1),
    (1, 4, 6, 2, (9, 8), (3, 3), 2, 1, 2),
    (2, 4, 4, 4, (6, 7), (2, 2), 3, 0, 1),
    (1, 2, 3, 1, (5, 5), (1, 1), 2, 0, 1),
    (1, 2, 2, 1, (10, 7), (3, 3), 1, 2, (2, 1)),
    (2, 6, 3, 3, (5, 6), (4, 3), 1, (1, 2), 1),
]


@pytest.mark.parametrize("n,c_in,c_out,g,size,k,s,p,d", BACKWARD_GRID)
def test_conv2d_backward_matches_autograd(n, c_in, c_out, g, size, k, s, p, d):
    x = t(RNG.standard_normal((n, c_in, *size))).requires_grad_()
    w = t(RNG.standard_normal((c_out, c_in // g, *k))).requires_grad_()
    b = t(RNG.standard_normal(c_out)).requires_grad_()
    y = F.conv2d(x, w, b, stride=s, padding=p, dilation=d, groups=g)
    go = RNG.standard_normal(tuple(y.shape))
    y.backward(t(go))
    gi, gw, gb = conv2d_backward(go, x.detach().numpy(), w.detach().numpy(), s, p, d, g)
    np.testing.assert_allclose(gi, x.grad.numpy(), rtol=1e-11, atol=1e-12)
    np.testing.assert_allclose(gw, w.grad.numpy(), rtol=1e-11, atol=1e-12)
    np.testing.assert_allclose(gb, b.grad.numpy(), rtol=1e-11, atol=1e-12)


def test_conv2d_backward_grad_input_is_conv_transpose():
    # strided case with unreached rows: the gradient there is zero and output_padding supplies it
    x = RNG.standard_normal((1, 2, 8, 8))
    w = RNG.standard_normal((3, 2, 3, 3))
    go = RNG.standard_normal((1, 3, 2, 2))  # (8 - 3)//3 + 1 = 2: the windows cover rows 0..5 only
    gi, _, _ = conv2d_backward(go, x, w, stride=3)
    np.testing.assert_allclose(gi, conv_transpose2d(go, w, stride=3, output_padding=2), atol=1e-12)
    assert np.all(gi[:, :, -2:, :] == 0) and np.all(gi[:, :, :, -2:] == 0)
    assert np.all(gi[:, :, :6, :6] != 0)


def test_conv2d_backward_finite_differences():
    # L = <grad_output, conv2d(x, w) + b>; central differences are exact up to rounding for a linear map
    x = RNG.standard_normal((1, 2, 5, 6))
    w = RNG.standard_normal((3, 2, 3, 2))
    b = RNG.standard_normal(3)
    kw = {"stride": 2, "padding": 1, "dilation": 1}

    def loss(xv, wv, bv):
        y = F.conv2d(t(xv), t(wv), t(bv), **kw).numpy()
        return float(np.sum(go * y))

    go = RNG.standard_normal(F.conv2d(t(x), t(w), **kw).shape)
    gi, gw, gb = conv2d_backward(go, x, w, **kw)
    eps = 1e-6
    for arr, grad, which in [(x, gi, 0), (w, gw, 1), (b, gb, 2)]:
        numeric = np.zeros_like(arr)
        for idx in np.ndindex(arr.shape):
            plus, minus = [x.copy(), w.copy(), b.copy()], [x.copy(), w.copy(), b.copy()]
            plus[which][idx] += eps
            minus[which][idx] -= eps
            numeric[idx] = (loss(*plus) - loss(*minus)) / (2 * eps)
        np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-7)


def test_conv2d_backward_unbatched():
    x = RNG.standard_normal((2, 5, 5))
    w = RNG.standard_normal((1, 2, 3, 3))
    go = RNG.standard_normal((1, 3, 3))
    gi, gw, gb = conv2d_backward(go, x, w)
    gi4, gw4, gb4 = conv2d_backward(go[None], x[None], w)
    np.testing.assert_allclose(gi, gi4[0])
    np.testing.assert_allclose(gw, gw4)
    np.testing.assert_allclose(gb, gb4)


@pytest.mark.parametrize(
    "go_shape,x_shape,w_shape,kwargs,exc,word",
    [
        ((1, 1, 3, 3), (1, 1, 4, 4), (1, 1, 3, 3), {}, ValueError, "grad_output"),
        ((1, 2, 2, 2), (1, 3, 4, 4), (2, 2, 3, 3), {}, ValueError, "weight"),
        ((1, 1, 2, 2), (1, 4, 4, 4), (1, 2, 3, 3), {"groups": 3}, ValueError, "groups"),
        ((1, 2, 2), (1, 1, 4, 4), (1, 1, 3, 3), {}, ValueError, "grad_output"),
        ((1, 1, 2, 2), (1, 1, 4, 4), (1, 1, 3, 3), {"stride": -1}, ValueError, "stride"),
        ((1, 1, 2, 2), (1, 1, 4, 4), (1, 1, 3, 3), {"padding": "same"}, TypeError, "padding"),
    ],
)
def test_conv2d_backward_bad_arguments(go_shape, x_shape, w_shape, kwargs, exc, word):
    with pytest.raises(exc, match=word):
        conv2d_backward(np.ones(go_shape), np.ones(x_shape), np.ones(w_shape), **kwargs)
