"""convkit: the reference implementations of the hands-on CNN course.

The functional API works on numpy arrays in NCHW layout and mirrors the names
and argument order of :mod:`torch.nn.functional`. Importing ``convkit`` loads
numpy only; the PyTorch parts live in :mod:`convkit.models`,
:mod:`convkit.data` and :mod:`convkit.train` and are imported on demand.
"""

__version__ = "0.1.0"

from convkit.equivariance import circular_shift, equivariance_error, invariance_error  # noqa: E402
from convkit.padding import pad  # noqa: E402
from convkit.conv import conv1d, conv2d, conv3d, conv_output_size, corr2d, merge_convs  # noqa: E402
from convkit.counting import conv_macs, conv_params  # noqa: E402
from convkit.transposed import conv2d_backward, conv_matrix, conv_transpose2d, conv_transpose_output_size  # noqa: E402
from convkit.upsampling import interpolate  # noqa: E402
from convkit.pooling import adaptive_avg_pool2d, avg_pool2d, max_pool2d, max_unpool2d, pool_output_size  # noqa: E402
from convkit.receptive_field import receptive_field  # noqa: E402
from convkit.separable import (  # noqa: E402
    bottleneck_params,
    depthwise_separable_macs,
    depthwise_separable_params,
    effective_kernel_size,
    group_connectivity,
    inception_params,
    naive_inception_params,
    same_padding,
)
from convkit.dropout import dropout, dropout_backward, dropout_mask  # noqa: E402
from convkit import transforms  # noqa: E402
