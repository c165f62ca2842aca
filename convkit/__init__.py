"""convkit: the reference implementations of the hands-on CNN course.

The layers of the package:

* :mod:`convkit.functional`: numpy equivalents of :mod:`torch.nn.functional` on arrays in NCHW
  layout, with the same names and argument order;
* :mod:`convkit.formulas`: counting and size formulas (parameters, multiply-accumulates,
  receptive fields);
* :mod:`convkit.transforms`: data augmentation in numpy, functions and classes as torchvision's;
* :mod:`convkit.models`, :mod:`convkit.data` and :mod:`convkit.training`: the PyTorch model zoo,
  the bundled data sets and the training code, imported on demand.

The numpy functions are re-exported here (``convkit.conv2d``). Importing ``convkit`` loads numpy
only.
"""

__version__ = "0.1.0"

from convkit import transforms
from convkit.formulas import (
    bottleneck_params,
    conv_macs,
    conv_params,
    depthwise_separable_macs,
    depthwise_separable_params,
    effective_kernel_size,
    group_connectivity,
    inception_params,
    naive_inception_params,
    receptive_field,
    same_padding,
)
from convkit.functional import (
    adaptive_avg_pool2d,
    avg_pool2d,
    avg_pool2d_backward,
    batch_norm,
    batch_norm2d,
    batch_norm_backward,
    circular_shift,
    conv1d,
    conv2d,
    conv2d_backward,
    conv2d_unfold,
    conv3d,
    conv_matrix,
    conv_output_size,
    conv_transpose2d,
    conv_transpose_output_size,
    corr2d,
    dropout,
    dropout2d,
    dropout_backward,
    dropout_mask,
    equivariance_error,
    fit_kernel,
    interpolate,
    invariance_error,
    kernel_grad,
    max_pool2d,
    max_pool2d_backward,
    max_unpool2d,
    merge_convs,
    pad,
    pool_output_size,
    unfold,
)

__all__ = [
    # convkit.functional
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
    # convkit.formulas
    "conv_params",
    "conv_macs",
    "effective_kernel_size",
    "same_padding",
    "group_connectivity",
    "depthwise_separable_params",
    "depthwise_separable_macs",
    "inception_params",
    "naive_inception_params",
    "bottleneck_params",
    "receptive_field",
    # subpackages
    "transforms",
]
