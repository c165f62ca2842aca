"""One rule, one message: every public convkit function that takes an argument rejects the same
mistake with the same exception type and the same message (all checks live in
``convkit/_validation.py``), and every function that takes an array accepts nested lists."""

import numpy as np
import pytest

import convkit

X4 = np.arange(2 * 2 * 6 * 6, dtype=np.float64).reshape(2, 2, 6, 6) / 10
W = np.ones((2, 2, 3, 3))  # conv2d weight (C_out, C_in, kH, kW)
WT = np.ones((2, 2, 3, 3))  # conv_transpose2d weight (C_in, C_out, kH, kW)
GO = np.ones((2, 2, 4, 4))  # grad_output of conv2d(X4, W)

# Every public function taking the argument, called with valid values except for that argument.
TAKES = {
    "stride": {
        "conv2d": lambda v: convkit.conv2d(X4, W, stride=v),
        "conv_transpose2d": lambda v: convkit.conv_transpose2d(X4, WT, stride=v),
        "conv2d_backward": lambda v: convkit.conv2d_backward(GO, X4, W, stride=v),
        "conv_matrix": lambda v: convkit.conv_matrix(np.ones((3, 3)), (6, 6), stride=v),
        "max_pool2d": lambda v: convkit.max_pool2d(X4, 2, stride=v),
        "avg_pool2d": lambda v: convkit.avg_pool2d(X4, 2, stride=v),
        "max_unpool2d": lambda v: convkit.max_unpool2d(*convkit.max_pool2d(X4, 2, return_indices=True), 2, stride=v),
        "conv_output_size": lambda v: convkit.conv_output_size((6, 6), 3, stride=v),
        "pool_output_size": lambda v: convkit.pool_output_size((6, 6), 2, stride=v),
        "conv_transpose_output_size": lambda v: convkit.conv_transpose_output_size((4, 4), 3, stride=v),
    },
    "padding": {
        "conv2d": lambda v: convkit.conv2d(X4, W, padding=v),
        "conv_transpose2d": lambda v: convkit.conv_transpose2d(X4, WT, padding=v),
        "conv2d_backward": lambda v: convkit.conv2d_backward(GO, X4, W, padding=v),
        "conv_matrix": lambda v: convkit.conv_matrix(np.ones((3, 3)), (6, 6), padding=v),
        "max_pool2d": lambda v: convkit.max_pool2d(X4, 2, padding=v),
        "avg_pool2d": lambda v: convkit.avg_pool2d(X4, 2, padding=v),
        "conv_output_size": lambda v: convkit.conv_output_size((6, 6), 3, padding=v),
        "pool_output_size": lambda v: convkit.pool_output_size((6, 6), 2, padding=v),
        "conv_transpose_output_size": lambda v: convkit.conv_transpose_output_size((4, 4), 3, padding=v),
    },
    "dilation": {
        "conv2d": lambda v: convkit.conv2d(X4, W, dilation=v),
        "conv_transpose2d": lambda v: convkit.conv_transpose2d(X4, WT, dilation=v),
        "conv2d_backward": lambda v: convkit.conv2d_backward(GO, X4, W, dilation=v),
        "conv_matrix": lambda v: convkit.conv_matrix(np.ones((3, 3)), (6, 6), dilation=v),
        "max_pool2d": lambda v: convkit.max_pool2d(X4, 2, dilation=v),
        "conv_output_size": lambda v: convkit.conv_output_size((6, 6), 3, dilation=v),
        "pool_output_size": lambda v: convkit.pool_output_size((6, 6), 2, dilation=v),
        "conv_transpose_output_size": lambda v: convkit.conv_transpose_output_size((4, 4), 3, dilation=v),
    },
    "kernel_size": {
        "max_pool2d": lambda v: convkit.max_pool2d(X4, v),
        "avg_pool2d": lambda v: convkit.avg_pool2d(X4, v),
        "conv_output_size": lambda v: convkit.conv_output_size((6, 6), v),
        "pool_output_size": lambda v: convkit.pool_output_size((6, 6), v),
        "conv_transpose_output_size": lambda v: convkit.conv_transpose_output_size((4, 4), v),
        "conv_params": lambda v: convkit.conv_params(2, 2, v),
        "conv_macs": lambda v: convkit.conv_macs(2, 2, v, (6, 6)),
        "depthwise_separable_params": lambda v: convkit.depthwise_separable_params(2, 4, v),
    },
    "groups": {
        "conv2d": lambda v: convkit.conv2d(X4, W, groups=v),
        "conv_transpose2d": lambda v: convkit.conv_transpose2d(X4, WT, groups=v),
        "conv2d_backward": lambda v: convkit.conv2d_backward(GO, X4, W, groups=v),
        "conv_params": lambda v: convkit.conv_params(2, 2, 3, groups=v),
        "conv_macs": lambda v: convkit.conv_macs(2, 2, 3, 6, groups=v),
        "group_connectivity": lambda v: convkit.group_connectivity(2, 2, groups=v),
    },
}

# (argument, bad value, exception type, message) for the 2-D functions above.
MISTAKES = [
    ("stride", 0, ValueError, "stride must be positive, got (0, 0)"),
    ("stride", (1, 1, 1), ValueError,
     "stride must be an int or a tuple of 2 ints, got a sequence of length 3: (1, 1, 1)"),
    ("stride", 1.5, TypeError, "stride must be an int or a tuple of 2 ints, got float 1.5"),
    ("stride", (1, 2.0), TypeError, "stride must be an int, got float 2.0"),
    ("stride", True, TypeError, "stride must be an int or a tuple of 2 ints, got bool True"),
    ("padding", -1, ValueError, "padding must be non-negative, got (-1, -1)"),
    ("padding", (0, 0, 0), ValueError,
     "padding must be an int or a tuple of 2 ints, got a sequence of length 3: (0, 0, 0)"),
    ("dilation", 0, ValueError, "dilation must be positive, got (0, 0)"),
    ("kernel_size", 2.5, TypeError, "kernel_size must be an int or a tuple of 2 ints, got float 2.5"),
    ("kernel_size", 0, ValueError, "kernel_size must be positive, got (0, 0)"),
    ("groups", 0, ValueError, "groups must be positive, got 0"),
    ("groups", 1.0, TypeError, "groups must be an int, got float 1.0"),
]


# conv_output_size works elementwise on tuples of any one length: a 3-tuple next to a 2-tuple
# input_size is its own mistake ("the tuple arguments ... must have the same length").
ELEMENTWISE = {"conv_output_size"}


@pytest.mark.parametrize(
    "arg, bad, exc, message, func",
    [
        (a, b, e, m, f)
        for a, b, e, m in MISTAKES
        for f in TAKES[a]
        if not (f in ELEMENTWISE and isinstance(b, tuple) and len(b) == 3)
    ],
    ids=lambda v: repr(v) if not isinstance(v, type) else v.__name__,
)
def test_same_mistake_same_error_everywhere(arg, bad, exc, message, func):
    with pytest.raises(exc) as info:
        TAKES[arg][func](bad)
    assert type(info.value) is exc and str(info.value) == message


# Functions whose integer arguments are scalars only (no tuple form).
SCALAR_INT = {
    "effective_kernel_size": lambda v: convkit.effective_kernel_size(v),
    "same_padding": lambda v: convkit.same_padding(v),
    "depthwise_separable_params": lambda v: convkit.depthwise_separable_params(v, 4, 3),
    "bottleneck_params": lambda v: convkit.bottleneck_params(v, 2),
    "naive_inception_params": lambda v: convkit.naive_inception_params(v, 1, 1, 1),
    "group_connectivity": lambda v: convkit.group_connectivity(v, 2),
}


@pytest.mark.parametrize("func", sorted(SCALAR_INT))
@pytest.mark.parametrize("bad, exc, pattern", [
    (0, ValueError, r"^\w+ must be positive, got 0$"),
    (2.5, TypeError, r"^\w+ must be an int, got float 2.5$"),
    (True, TypeError, r"^\w+ must be an int, got bool True$"),
])
def test_scalar_int_arguments_share_messages(func, bad, exc, pattern):
    with pytest.raises(exc, match=pattern):
        SCALAR_INT[func](bad)


NEEDS_3D_OR_4D = {
    "conv2d": lambda x: convkit.conv2d(x, W),
    "conv_transpose2d": lambda x: convkit.conv_transpose2d(x, WT),
    "max_pool2d": lambda x: convkit.max_pool2d(x, 2),
    "avg_pool2d": lambda x: convkit.avg_pool2d(x, 2),
    "adaptive_avg_pool2d": lambda x: convkit.adaptive_avg_pool2d(x, 2),
}
NEEDS_4D = {
    "interpolate": lambda x: convkit.interpolate(x, scale_factor=2),
    "batch_norm2d": lambda x: convkit.batch_norm2d(x, None, None, training=True)[0],
}


@pytest.mark.parametrize("func", sorted(NEEDS_3D_OR_4D))
def test_a_2d_array_where_3d_or_4d_is_needed(func):
    with pytest.raises(ValueError) as info:
        NEEDS_3D_OR_4D[func](np.ones((6, 6)))
    assert str(info.value) == (
        "input must be 3-D or 4-D (C, H, W) or (N, C, H, W), got an array of shape (6, 6) (2-D)"
    )


@pytest.mark.parametrize("func", sorted(NEEDS_4D))
def test_a_3d_array_where_4d_is_needed(func):
    with pytest.raises(ValueError) as info:
        NEEDS_4D[func](np.ones((2, 6, 6)))
    assert str(info.value) == "input must be 4-D (N, C, H, W), got an array of shape (2, 6, 6) (3-D)"


@pytest.mark.parametrize("func", sorted({**NEEDS_3D_OR_4D, **NEEDS_4D}))
def test_nested_lists_are_arrays(func):
    call = {**NEEDS_3D_OR_4D, **NEEDS_4D}[func]
    np.testing.assert_array_equal(call(X4.tolist()), call(X4))


@pytest.mark.parametrize("func", sorted({**NEEDS_3D_OR_4D, **NEEDS_4D}))
def test_strings_are_not_numbers(func):
    call = {**NEEDS_3D_OR_4D, **NEEDS_4D}[func]
    with pytest.raises(TypeError, match=r"^input must hold real numbers, got dtype <U1$"):
        call(np.full((2, 2, 6, 6), "a"))
