"""Formula helpers: plain integer arithmetic on layer hyper-parameters (numpy only).

:mod:`~convkit.formulas.counting` (parameters and multiply-accumulates of one convolution),
:mod:`~convkit.formulas.sizes` (the extent of a dilated kernel, "same" padding),
:mod:`~convkit.formulas.separable` (grouped, depthwise-separable, Inception and bottleneck
counts) and :mod:`~convkit.formulas.receptive_field` (receptive fields of a stack, computed and
measured). The output-size formulas sit beside the operations they describe
(:func:`convkit.conv_output_size`, :func:`convkit.pool_output_size`,
:func:`convkit.conv_transpose_output_size`). Every formula is checked against PyTorch in
``tests/``; all names are also re-exported flat as ``convkit.<name>``.
"""

from convkit.formulas.counting import conv_macs, conv_params
from convkit.formulas.receptive_field import receptive_field
from convkit.formulas.separable import (
    bottleneck_params,
    depthwise_separable_macs,
    depthwise_separable_params,
    group_connectivity,
    inception_params,
    naive_inception_params,
)
from convkit.formulas.sizes import effective_kernel_size, same_padding

__all__ = [
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
]
