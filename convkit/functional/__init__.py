"""numpy equivalents of :mod:`torch.nn.functional`, on arrays in NCHW layout (numpy only).

One module per idea, with the names and argument order of the torch function it mirrors:
:mod:`~convkit.functional.conv` (``conv1d``, ``conv2d``, ``conv3d``, ``corr2d``: the fast
blocked im2col path) beside :mod:`~convkit.functional.conv_reference` (the short path to read:
sliding windows and ``tensordot``),
:mod:`~convkit.functional.padding`, :mod:`~convkit.functional.pooling` (and its backward pass,
:mod:`~convkit.functional.pool_backward`),
:mod:`~convkit.functional.transposed`, :mod:`~convkit.functional.upsampling`,
:mod:`~convkit.functional.dropout`, :mod:`~convkit.functional.batch_norm` and
:mod:`~convkit.functional.equivariance` (shift tests for any layer) and
:mod:`~convkit.functional.unfold` (im2col made whole: ``unfold``, ``conv2d_unfold``) and
:mod:`~convkit.functional.kernel_learning` (``kernel_grad``, ``fit_kernel``: a kernel learned by
gradient descent). The functions are also re-exported flat as ``convkit.<name>``.
"""

from convkit.functional.batch_norm import batch_norm, batch_norm2d, batch_norm_backward
from convkit.functional.conv import conv1d, conv2d, conv3d, conv_output_size, corr2d, merge_convs
from convkit.functional.dropout import dropout, dropout2d, dropout_backward, dropout_mask
from convkit.functional.equivariance import circular_shift, equivariance_error, invariance_error
from convkit.functional.kernel_learning import fit_kernel, kernel_grad
from convkit.functional.padding import pad
from convkit.functional.pool_backward import avg_pool2d_backward, max_pool2d_backward
from convkit.functional.pooling import (
    adaptive_avg_pool2d,
    avg_pool2d,
    max_pool2d,
    max_unpool2d,
    pool_output_size,
)
from convkit.functional.transposed import (
    conv2d_backward,
    conv_matrix,
    conv_transpose2d,
    conv_transpose_output_size,
)
from convkit.functional.unfold import conv2d_unfold, unfold
from convkit.functional.upsampling import interpolate

__all__ = [
    "corr2d",
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_output_size",
    "merge_convs",
    "pad",
    "max_pool2d",
    "avg_pool2d",
    "adaptive_avg_pool2d",
    "max_unpool2d",
    "pool_output_size",
    "max_pool2d_backward",
    "avg_pool2d_backward",
    "conv_transpose2d",
    "conv_transpose_output_size",
    "conv_matrix",
    "conv2d_backward",
    "interpolate",
    "dropout",
    "dropout2d",
    "dropout_mask",
    "dropout_backward",
    "batch_norm",
    "batch_norm2d",
    "batch_norm_backward",
    "circular_shift",
    "equivariance_error",
    "invariance_error",
    "unfold",
    "conv2d_unfold",
    "kernel_grad",
    "fit_kernel",
]
