"""Fixed (not learned) upsampling: nearest-neighbour and bilinear interpolation.

:func:`interpolate` reproduces :func:`torch.nn.functional.interpolate` for 2-D NCHW inputs,
including PyTorch's pixel-centre convention (``align_corners=False``) and the corner
convention (``align_corners=True``). Numpy only.
"""

from __future__ import annotations

import math

import numpy as np

from convkit._validation import as_real_array, check_bool, positive_real_tuple, positive_tuple

__all__ = ["interpolate"]

_MODES = ("nearest", "bilinear")


def _nearest_index(in_size: int, out_size: int, scale_factor: float | None) -> np.ndarray:
    """Source index of each output position, as PyTorch's ``nearest`` (float32 arithmetic)."""
    dst = np.arange(out_size)
    if out_size == in_size:
        return dst
    if out_size == 2 * in_size:
        return dst // 2
    if scale_factor is not None:
        scale = np.float32(1.0 / scale_factor)
    else:
        scale = np.float32(in_size) / np.float32(out_size)
    src = np.floor(dst.astype(np.float32) * scale).astype(np.int64)
    return np.minimum(src, in_size - 1)


def _linear_weights(in_size: int, out_size: int, scale_factor: float | None, align_corners: bool):
    """Left index, right index and right weight of each output position (PyTorch convention)."""
    dst = np.arange(out_size, dtype=np.float64)
    if align_corners:
        scale = (in_size - 1) / (out_size - 1) if out_size > 1 else 0.0
        src = dst * scale
    else:
        scale = 1.0 / scale_factor if scale_factor is not None else in_size / out_size
        src = np.maximum((dst + 0.5) * scale - 0.5, 0.0)
    i0 = np.minimum(np.floor(src).astype(np.int64), in_size - 1)
    i1 = np.where(i0 < in_size - 1, i0 + 1, i0)
    lam = np.clip(src - i0, 0.0, 1.0)
    return i0, i1, lam


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    r"""Resize a batch of images, as :func:`torch.nn.functional.interpolate` does in 2-D.

    Exactly one of ``size`` and ``scale_factor`` is given. With ``scale_factor`` the output
    size is :math:`\lfloor H_{in} \times \text{scale\_factor} \rfloor` and the sampling
    positions use ``1 / scale_factor`` (PyTorch's default ``recompute_scale_factor=None``).

    - ``"nearest"``: output pixel ``j`` copies input pixel
      :math:`\min(\lfloor j \cdot \text{scale} \rfloor, H_{in} - 1)` with
      :math:`\text{scale} = H_{in}/H_{out}` (or ``1/scale_factor``).
    - ``"bilinear"``: output pixel ``j`` sits at source position
      :math:`x = (j + \tfrac12)\,\text{scale} - \tfrac12` (clamped at 0) when
      ``align_corners=False`` (pixel centres line up), or at
      :math:`x = j \, (H_{in} - 1)/(H_{out} - 1)` when ``align_corners=True`` (corner pixels
      line up), and mixes its two neighbours :math:`\lfloor x \rfloor` and
      :math:`\lfloor x \rfloor + 1` with weights :math:`1 - (x - \lfloor x \rfloor)` and
      :math:`x - \lfloor x \rfloor`, separately along height and width.

    Args:
        input (ndarray): images of shape ``(N, C, H_in, W_in)``.
        size (int or tuple, optional): output ``(H_out, W_out)``.
        scale_factor (float or tuple, optional): multiplier for the spatial size.
        mode (str, optional): ``"nearest"`` or ``"bilinear"``. Default: ``"nearest"``
        align_corners (bool, optional): only for ``"bilinear"``; ``None`` means ``False``.

    Shape:
        - Input: :math:`(N, C, H_{in}, W_{in})`
        - Output: :math:`(N, C, H_{out}, W_{out})` with ``(H_out, W_out) = size`` or
          :math:`H_{out} = \lfloor H_{in} \times \text{scale\_factor} \rfloor` (same for ``W``).

    Examples::

        >>> x = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])
        >>> interpolate(x, scale_factor=2)[0, 0]
        array([[1., 1., 2., 2.],
               [1., 1., 2., 2.],
               [3., 3., 4., 4.],
               [3., 3., 4., 4.]])
        >>> interpolate(x, scale_factor=2, mode="bilinear")[0, 0]
        array([[1.  , 1.25, 1.75, 2.  ],
               [1.5 , 1.75, 2.25, 2.5 ],
               [2.5 , 2.75, 3.25, 3.5 ],
               [3.  , 3.25, 3.75, 4.  ]])
        >>> interpolate(x, size=3, mode="bilinear", align_corners=True)[0, 0]
        array([[1. , 1.5, 2. ],
               [2. , 2.5, 3. ],
               [3. , 3.5, 4. ]])
    """
    input = as_real_array(input, "input", (4,), "(N, C, H, W)")
    if not isinstance(mode, str) or mode not in _MODES:
        raise ValueError(f"mode must be one of {_MODES}, got {mode!r}")
    if align_corners is not None:
        check_bool(align_corners, "align_corners")
        if mode == "nearest":
            raise ValueError(
                "align_corners can only be set with mode='bilinear', not mode='nearest'"
            )
    if (size is None) == (scale_factor is None):
        raise ValueError("exactly one of size or scale_factor must be given")

    in_h, in_w = input.shape[2:]
    scales: tuple[float | None, ...]
    if size is not None:
        out_h, out_w = positive_tuple(size, 2, "size")
        scales = (None, None)
    else:
        scale_h, scale_w = positive_real_tuple(scale_factor, 2, "scale_factor")
        scales = (scale_h, scale_w)
        out_h, out_w = math.floor(in_h * scale_h), math.floor(in_w * scale_w)
        if out_h < 1 or out_w < 1:
            raise ValueError(
                f"scale_factor={scale_factor!r} gives an "
                f"empty output for input of shape {input.shape}"
            )
    if input.size == 0:
        raise ValueError(f"input must not be empty, got shape {input.shape}")

    if mode == "nearest":
        rows = _nearest_index(in_h, out_h, scales[0])
        cols = _nearest_index(in_w, out_w, scales[1])
        return input[:, :, rows[:, None], cols[None, :]]

    align = bool(align_corners)
    x = input.astype(np.result_type(np.float32, input.dtype), copy=False)
    r0, r1, lr = _linear_weights(in_h, out_h, scales[0], align)
    c0, c1, lc = _linear_weights(in_w, out_w, scales[1], align)
    lr = lr.astype(x.dtype)[:, None]
    lc = lc.astype(x.dtype)
    # separable: first along the height, then along the width
    rows_mixed = x[:, :, r0, :] * (1 - lr) + x[:, :, r1, :] * lr
    return rows_mixed[:, :, :, c0] * (1 - lc) + rows_mixed[:, :, :, c1] * lc
