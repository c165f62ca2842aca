r"""Data augmentation and input normalisation as functions on numpy arrays (chapter 10).

These are the stateless operations behind the transform classes of
:mod:`convkit.transforms.transforms` (the split of ``torchvision.transforms.functional``
and ``torchvision.transforms``). Images are **channels first**: one image is
``(C, H, W)``, and any leading axes are allowed (``(..., H, W)``). Values are floats;
the colour functions expect RGB in [0, 1]. A function called on a :class:`torch.Tensor`
returns a tensor of the same dtype and device (the work is done in numpy, so
``import convkit`` never imports torch).

Functions that draw at random (:func:`random_resized_crop_params`, :func:`cutout_params`,
:func:`cutmix_box`, :func:`mixup`, :func:`cutmix`) take ``rng``, a
:class:`numpy.random.Generator`, an int seed, or ``None`` (fresh entropy), and draw only from it.

Batch-level mixing (:func:`mixup`, :func:`cutmix`) works on ``(N, C, H, W)``
batches and returns ``(mixed, y_a, y_b, lam)``: train with
``lam * loss(out, y_a) + (1 - lam) * loss(out, y_b)``, or with the soft targets of
:func:`mix_targets`.
"""

from __future__ import annotations

import math
import sys

import numpy as np

from convkit._validation import as_generator as _as_generator
from convkit._validation import check_int, positive_tuple
from convkit._validation import check_probability as _probability
from convkit._validation import check_real as _real
from convkit._validation import nonnegative_real as _nonnegative
from convkit.functional.upsampling import interpolate

__all__ = [
    "channel_stats",
    "hflip",
    "crop",
    "center_crop",
    "resized_crop",
    "random_resized_crop_params",
    "rgb_to_grayscale",
    "rgb_to_hsv",
    "hsv_to_rgb",
    "adjust_brightness",
    "adjust_contrast",
    "adjust_saturation",
    "adjust_hue",
    "affine",
    "cutout_params",
    "cutmix_box",
    "mixup",
    "cutmix",
    "mix_targets",
]


# --------------------------------------------------------------------------------------------
# argument checks and the numpy <-> torch bridge


def _is_tensor(x) -> bool:
    return type(x).__module__.split(".")[0] == "torch" and hasattr(x, "detach")


def _to_numpy(x, name: str = "img", min_ndim: int = 2) -> tuple[np.ndarray, object]:
    """Return ``(array, like)``; ``like`` is the tensor to imitate on the way back (or None)."""
    like = None
    if _is_tensor(x):
        like = x
        x = x.detach().cpu().numpy()
    elif not isinstance(x, np.ndarray):
        raise TypeError(f"{name} must be a numpy.ndarray or a torch.Tensor, got {type(x).__name__}")
    if x.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold real numbers, got dtype {x.dtype}")
    if x.ndim < min_ndim:
        raise ValueError(
            f"{name} must have at least {min_ndim} dimensions (..., H, W), got shape {x.shape}"
        )
    if x.dtype.kind != "f":
        x = x.astype(np.float64)
    return x, like


def _back(out: np.ndarray, like):
    if like is None:
        return out
    torch = sys.modules["torch"]
    return torch.from_numpy(np.ascontiguousarray(out)).to(device=like.device, dtype=like.dtype)


def _size_pair(size, name: str = "size") -> tuple[int, int]:
    h, w = positive_tuple(size, 2, name)
    return h, w


def _range(value, name: str, *, positive: bool = True) -> tuple[float, float]:
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise TypeError(f"{name} must be a pair (min, max), got {value!r}")
    lo, hi = _real(value[0], name), _real(value[1], name)
    if lo > hi:
        raise ValueError(f"{name} must be (min, max) with min <= max, got {value!r}")
    if positive and lo <= 0:
        raise ValueError(f"{name} must be positive, got {value!r}")
    return lo, hi


def _hw(height, width) -> tuple[int, int]:
    return _size_pair((height, width), "height and width")


# --------------------------------------------------------------------------------------------
# composition and normalisation


def channel_stats(images) -> tuple[np.ndarray, np.ndarray]:
    r"""Per-channel mean and standard deviation of a set of images (for :class:`Normalize`).

    Args:
        images: array ``(N, C, H, W)``; ``(N, H, W)`` counts as one channel.

    Returns:
        ``(mean, std)``, two float64 arrays of shape ``(C,)``: the mean and the population
        standard deviation over :math:`N \times H \times W` values per channel.

    Examples::

        >>> x = np.stack([np.zeros((2, 2)), np.ones((2, 2))])[:, None]   # two 1-channel images
        >>> channel_stats(x)
        (array([0.5]), array([0.5]))
    """
    x, _ = _to_numpy(images, "images", 3)
    if x.ndim == 3:
        x = x[:, None]
    if x.ndim != 4:
        raise ValueError(f"images must have shape (N, H, W) or (N, C, H, W), got {x.shape}")
    x = x.astype(np.float64, copy=False)
    return x.mean(axis=(0, 2, 3)), x.std(axis=(0, 2, 3))


# --------------------------------------------------------------------------------------------
# flips and crops


def hflip(img):
    """Mirror an image left-right (reverse the last axis, W).

    Examples::

        >>> hflip(np.array([[[1.0, 2.0, 3.0]]]))
        array([[[3., 2., 1.]]])
    """
    x, like = _to_numpy(img, "img")
    return _back(x[..., ::-1].copy(), like)


def crop(img, top: int, left: int, height: int, width: int):
    """Cut the box ``[top, top + height) x [left, left + width)`` out of an image.

    The box must lie inside the image.

    Examples::

        >>> crop(np.arange(16.0).reshape(1, 4, 4), 1, 2, 2, 1)
        array([[[ 6.],
                [10.]]])
    """
    x, like = _to_numpy(img, "img")
    top, left, height, width = _box(top, left, height, width, x.shape[-2], x.shape[-1])
    return _back(x[..., top : top + height, left : left + width].copy(), like)


def _box(top, left, height, width, img_h, img_w):
    vals = []
    for name, v in (("top", top), ("left", left), ("height", height), ("width", width)):
        vals.append(check_int(v, name))
    top, left, height, width = vals
    if height < 1 or width < 1:
        raise ValueError(f"height and width must be positive, got {height} and {width}")
    if top < 0 or left < 0 or top + height > img_h or left + width > img_w:
        raise ValueError(
            f"the box top={top}, left={left}, height={height}, "
            f"width={width} does not fit in a {img_h}x{img_w} image"
        )
    return top, left, height, width


def center_crop(img, size):
    r"""Cut the central ``size`` box out of an image.

    For an image of height :math:`H` and a crop of height :math:`h` the crop starts at row
    :math:`\lfloor (H - h)/2 \rfloor` (when :math:`H - h` is odd the extra row is left at the
    bottom); the same for the width.

    Args:
        img: array or tensor ``(*, H, W)``.
        size (int or (int, int)): crop height and width, at most the image's.

    Shape:
        - Input: :math:`(*, H, W)`; Output: :math:`(*, h, w)`.

    Examples::

        >>> center_crop(np.arange(25.0).reshape(1, 5, 5), 3)[0]
        array([[ 6.,  7.,  8.],
               [11., 12., 13.],
               [16., 17., 18.]])
    """
    x, like = _to_numpy(img, "img")
    h, w = _size_pair(size, "size")
    H, W = x.shape[-2:]
    if h > H or w > W:
        raise ValueError(f"size {(h, w)} is larger than the image ({H}x{W})")
    top, left = (H - h) // 2, (W - w) // 2
    return _back(x[..., top : top + h, left : left + w].copy(), like)


def resized_crop(img, top: int, left: int, height: int, width: int, size, mode: str = "bilinear"):
    """Crop a box, then resize it to ``size`` with :func:`convkit.interpolate`.

    Bilinear resizing follows PyTorch's ``align_corners=False`` convention and does not
    smooth before shrinking (torchvision's ``antialias=True`` does).

    Examples::

        >>> x = np.arange(16.0).reshape(1, 4, 4)
        >>> resized_crop(x, 0, 0, 2, 2, 4)[0]
        array([[0.  , 0.25, 0.75, 1.  ],
               [1.  , 1.25, 1.75, 2.  ],
               [3.  , 3.25, 3.75, 4.  ],
               [4.  , 4.25, 4.75, 5.  ]])
    """
    x, like = _to_numpy(img, "img")
    top, left, height, width = _box(top, left, height, width, x.shape[-2], x.shape[-1])
    out_h, out_w = _size_pair(size, "size")
    patch = x[..., top : top + height, left : left + width]
    lead = patch.shape[:-2]
    flat = patch.reshape((1, -1, height, width))
    if (height, width) == (out_h, out_w):
        out = flat.copy()
    else:
        out = interpolate(flat, size=(out_h, out_w), mode=mode)
    return _back(out.reshape(lead + (out_h, out_w)).astype(x.dtype, copy=False), like)


def random_resized_crop_params(
    height: int, width: int, scale=(0.08, 1.0), ratio=(3 / 4, 4 / 3), rng=None
):
    r"""Draw the box of a random resized crop: ``(top, left, h, w)``.

    The usual recipe (Szegedy et al., 2015; torchvision's ``RandomResizedCrop``). Up to
    10 attempts, each:

    1. draw a target area :math:`A = s \cdot H W` with :math:`s \sim U(\text{scale})`;
    2. draw an aspect ratio :math:`r = w/h` **log-uniformly** in ``ratio``, i.e.
       :math:`\log r \sim U(\log r_{min}, \log r_{max})`, so that :math:`r` and :math:`1/r`
       are equally likely;
    3. set :math:`w = \text{round}(\sqrt{A r})`, :math:`h = \text{round}(\sqrt{A / r})`;
    4. if the box fits (:math:`0 < h \le H`, :math:`0 < w \le W`), place its top-left
       corner uniformly: ``top`` in :math:`\{0, \dots, H - h\}`, ``left`` in
       :math:`\{0, \dots, W - w\}`, and return it.

    If no attempt fits, fall back to the largest central box whose ratio is clipped into
    ``ratio``.

    Args:
        height, width (int): image size.
        scale (float, float): range of the area fraction. Default: (0.08, 1.0)
        ratio (float, float): range of the aspect ratio w/h. Default: (3/4, 4/3)
        rng: a :class:`numpy.random.Generator`, an int seed or ``None``.

    Returns:
        ``(top, left, h, w)``, Python ints, with ``0 <= top <= H - h`` and ``0 <= left <= W - w``.

    Examples::

        >>> random_resized_crop_params(100, 100, rng=0)
        (4, 1, 87, 76)
        >>> random_resized_crop_params(10, 100, scale=(0.9, 1.0), rng=0)   # nothing fits: centre
        (0, 43, 10, 13)
    """
    H, W = _hw(height, width)
    s_lo, s_hi = _range(scale, "scale")
    r_lo, r_hi = _range(ratio, "ratio")
    rng = _as_generator(rng)
    area = H * W
    log_lo, log_hi = math.log(r_lo), math.log(r_hi)
    for _ in range(10):
        target = area * rng.uniform(s_lo, s_hi)
        r = math.exp(rng.uniform(log_lo, log_hi))
        w = int(round(math.sqrt(target * r)))
        h = int(round(math.sqrt(target / r)))
        if 0 < w <= W and 0 < h <= H:
            top = int(rng.integers(0, H - h + 1))
            left = int(rng.integers(0, W - w + 1))
            return top, left, h, w
    in_ratio = W / H
    if in_ratio < r_lo:
        w, h = W, int(round(W / r_lo))
    elif in_ratio > r_hi:
        h, w = H, int(round(H * r_hi))
    else:
        h, w = H, W
    return (H - h) // 2, (W - w) // 2, h, w


# --------------------------------------------------------------------------------------------
# colour


def _rgb(img) -> tuple[np.ndarray, object]:
    x, like = _to_numpy(img, "img", 3)
    if x.shape[-3] != 3:
        raise ValueError(f"img must be RGB with shape (*, 3, H, W), got {x.shape}")
    return x, like


def rgb_to_grayscale(img):
    r"""Luma of RGB images: :math:`0.299 R + 0.587 G + 0.114 B` (ITU-R 601), keeping a channel axis.

    Shape:
        - Input: :math:`(*, 3, H, W)`; Output: :math:`(*, 1, H, W)`.

    Examples::

        >>> rgb_to_grayscale(np.ones((3, 1, 1)))
        array([[[1.]]])
    """
    x, like = _rgb(img)
    weights = np.array([0.299, 0.587, 0.114], dtype=x.dtype)[:, None, None]
    return _back((x * weights).sum(axis=-3, keepdims=True), like)


def rgb_to_hsv(img):
    """RGB in [0, 1] to HSV, all three in [0, 1] (hue as a fraction of a turn), channels first.

    Examples::

        >>> rgb_to_hsv(np.array([1.0, 0.5, 0.0])[:, None, None]).ravel()   # orange
        array([0.08333333, 1.        , 1.        ])
    """
    x, like = _rgb(img)
    r, g, b = x[..., 0, :, :], x[..., 1, :, :], x[..., 2, :, :]
    maxc, minc = x.max(axis=-3), x.min(axis=-3)
    delta = maxc - minc
    safe = np.where(delta > 0, delta, 1.0)
    hue = np.where(
        maxc == r, (g - b) / safe, np.where(maxc == g, (b - r) / safe + 2.0, (r - g) / safe + 4.0)
    )
    hue = np.where(delta > 0, (hue / 6.0) % 1.0, 0.0)
    sat = np.where(maxc > 0, delta / np.where(maxc > 0, maxc, 1.0), 0.0)
    return _back(np.stack([hue, sat, maxc], axis=-3).astype(x.dtype, copy=False), like)


def hsv_to_rgb(img):
    """Inverse of :func:`rgb_to_hsv`.

    Examples::

        >>> hsv_to_rgb(np.array([1 / 3, 1.0, 1.0])[:, None, None]).ravel()   # pure green
        array([0., 1., 0.])
    """
    x, like = _rgb(img)
    h, s, v = x[..., 0, :, :], x[..., 1, :, :], x[..., 2, :, :]
    h6 = (h % 1.0) * 6.0
    i = np.floor(h6).astype(np.int64) % 6
    f = h6 - np.floor(h6)
    p, q, t = v * (1 - s), v * (1 - s * f), v * (1 - s * (1 - f))
    # for each sector of the hue circle: which of (v, t, p, q) is R, G, B
    table = np.array([[0, 1, 2], [3, 0, 2], [2, 0, 1], [2, 3, 0], [1, 2, 0], [0, 2, 3]])
    parts = np.stack([v, t, p, q])  # (4, *, H, W)
    idx = table[i]  # (*, H, W, 3)
    out = np.take_along_axis(parts[None], np.moveaxis(idx, -1, 0)[:, None], axis=1)[:, 0]
    return _back(np.moveaxis(out, 0, -3).astype(x.dtype, copy=False), like)


def _blend(x: np.ndarray, other, factor: float) -> np.ndarray:
    return np.clip(factor * x + (1.0 - factor) * other, 0.0, 1.0)


def adjust_brightness(img, factor: float):
    """Multiply every value by ``factor`` (>= 0) and clip to [0, 1].

    Examples::

        >>> adjust_brightness(np.array([[[0.2, 0.8]]]), 1.5)
        array([[[0.3, 1. ]]])
    """
    x, like = _to_numpy(img, "img", 3)
    factor = _nonnegative(factor, "factor")
    return _back(np.clip(x * factor, 0.0, 1.0).astype(x.dtype, copy=False), like)


def adjust_contrast(img, factor: float):
    """Blend each RGB image with the mean of its grey version: ``factor`` 0 gives flat grey, 1 the
    image.

    Examples::

        >>> adjust_contrast(np.array([0.0, 1.0])[None, None].repeat(3, 0), 0.5)[0]
        array([[0.25, 0.75]])
    """
    x, like = _rgb(img)
    factor = _nonnegative(factor, "factor")
    mean = rgb_to_grayscale(x).mean(axis=(-3, -2, -1), keepdims=True)
    return _back(_blend(x, mean, factor).astype(x.dtype, copy=False), like)


def adjust_saturation(img, factor: float):
    """Blend each RGB image with its grey version: ``factor`` 0 gives grey, 1 the image, 2 twice as
    vivid.

    Examples::

        >>> adjust_saturation(np.array([1.0, 0.0, 0.0])[:, None, None], 0.0).ravel()
        array([0.299, 0.299, 0.299])
    """
    x, like = _rgb(img)
    factor = _nonnegative(factor, "factor")
    return _back(_blend(x, rgb_to_grayscale(x), factor).astype(x.dtype, copy=False), like)


def adjust_hue(img, shift: float):
    """Turn the hue of RGB images by ``shift`` of a full turn (in [-0.5, 0.5]); keep saturation and
    value.

    Examples::

        >>> adjust_hue(np.array([1.0, 0.0, 0.0])[:, None, None], 1 / 3).ravel()   # red -> green
        array([0., 1., 0.])
    """
    x, like = _rgb(img)
    shift = _real(shift, "shift")
    if not -0.5 <= shift <= 0.5:
        raise ValueError(f"shift must lie in [-0.5, 0.5], got {shift}")
    hsv = rgb_to_hsv(x)
    hsv[..., 0, :, :] = (hsv[..., 0, :, :] + shift) % 1.0
    return _back(np.clip(hsv_to_rgb(hsv), 0.0, 1.0), like)


def _jitter_range(value, name: str, centre: float, bound: tuple[float, float]):
    if value is None:
        return None
    if isinstance(value, (tuple, list)):
        lo, hi = _range(value, name, positive=False)
    else:
        v = _nonnegative(value, name)
        lo, hi = centre - v, centre + v
        if name != "hue":
            lo = max(lo, 0.0)
    if lo < bound[0] or hi > bound[1]:
        raise ValueError(f"{name} must give a range inside {bound}, got {value!r}")
    return None if lo == hi == centre else (lo, hi)


# --------------------------------------------------------------------------------------------
# geometry: small rotations and shifts


def affine(img, angle: float = 0.0, translate=(0.0, 0.0), scale: float = 1.0, fill: float = 0.0):
    r"""Rotate, scale and shift an image about its centre, with bilinear sampling.

    The output pixel at position :math:`p` (row, column; pixel centres) takes the
    input value at

    .. math::
        q = c + \frac{1}{s} R(-\theta)\,(p - c - t),

    where :math:`c = ((H-1)/2, (W-1)/2)` is the centre, :math:`t` = ``translate``
    (``(dx, dy)`` in pixels, right and down positive), :math:`s` = ``scale`` and
    :math:`\theta` = ``angle`` in degrees, counter-clockwise as the image is shown.
    Between pixels the value is interpolated bilinearly; neighbours outside the image
    count as ``fill`` (PyTorch's ``grid_sample`` with ``padding_mode="zeros"`` and
    ``align_corners=False`` when ``fill`` is 0).

    Shape:
        - Input: :math:`(*, H, W)`; Output: the same.

    Examples::

        >>> x = np.arange(9.0).reshape(1, 3, 3)
        >>> affine(x, angle=90)[0]                 # a quarter turn counter-clockwise
        array([[2., 5., 8.],
               [1., 4., 7.],
               [0., 3., 6.]])
        >>> affine(x, translate=(1, 0))[0]         # one pixel to the right
        array([[0., 0., 1.],
               [0., 3., 4.],
               [0., 6., 7.]])
    """
    x, like = _to_numpy(img, "img")
    angle = _real(angle, "angle")
    if not isinstance(translate, (tuple, list)) or len(translate) != 2:
        raise TypeError(f"translate must be a pair (dx, dy), got {translate!r}")
    dx, dy = _real(translate[0], "translate"), _real(translate[1], "translate")
    scale = _real(scale, "scale")
    if scale <= 0:
        raise ValueError(f"scale must be positive, got {scale}")
    fill = _real(fill, "fill")
    H, W = x.shape[-2:]
    cy, cx = (H - 1) / 2.0, (W - 1) / 2.0
    theta = math.radians(angle)
    # exact zeros for quarter turns, so that 90 degrees is exactly np.rot90
    cos, sin = (0.0 if abs(v) < 1e-12 else v for v in (math.cos(theta), math.sin(theta)))
    rows, cols = np.meshgrid(
        np.arange(H, dtype=np.float64), np.arange(W, dtype=np.float64), indexing="ij"
    )
    u, v = cols - cx - dx, rows - cy - dy  # x right, y down
    # the forward map turns (u, v) counter-clockwise on screen:
    # u' = cos u + sin v, v' = -sin u + cos v;
    # the source is its inverse, divided by the scale
    src_x = cx + (cos * u - sin * v) / scale
    src_y = cy + (sin * u + cos * v) / scale
    return _back(_bilinear_sample(x, src_y, src_x, fill), like)


def _bilinear_sample(x: np.ndarray, sy: np.ndarray, sx: np.ndarray, fill: float) -> np.ndarray:
    """Sample ``x[..., sy, sx]`` bilinearly; each neighbour outside the image counts as ``fill``."""
    H, W = x.shape[-2:]
    y0, x0 = np.floor(sy).astype(np.int64), np.floor(sx).astype(np.int64)
    wy, wx = sy - y0, sx - x0
    out = np.zeros(x.shape[:-2] + sy.shape, dtype=np.float64)
    for oy, ox, w in (
        (0, 0, (1 - wy) * (1 - wx)),
        (0, 1, (1 - wy) * wx),
        (1, 0, wy * (1 - wx)),
        (1, 1, wy * wx),
    ):
        yy, xx = y0 + oy, x0 + ox
        inside = (yy >= 0) & (yy < H) & (xx >= 0) & (xx < W)
        vals = x[..., np.clip(yy, 0, H - 1), np.clip(xx, 0, W - 1)]
        out += w * np.where(inside, vals, fill)
    return out.astype(x.dtype, copy=False)


# --------------------------------------------------------------------------------------------
# erasing and mixing


def cutout_params(height: int, width: int, size, rng=None):
    r"""Draw the box of :class:`Cutout`: ``(top, left, h, w)`` after clipping to the image.

    The centre :math:`(c_y, c_x)` is uniform over all pixels, the box covers rows
    :math:`[c_y - \lfloor s_h/2 \rfloor, c_y - \lfloor s_h/2 \rfloor + s_h)` (the same for
    columns), clipped to the image. A box near the border is therefore smaller than
    ``size``: as in DeVries and Taylor (2017), part of the square may fall outside.

    Examples::

        >>> cutout_params(28, 28, 8, rng=0)
        (19, 13, 8, 8)
    """
    H, W = _hw(height, width)
    sh, sw = _size_pair(size, "size")
    rng = _as_generator(rng)
    cy, cx = int(rng.integers(0, H)), int(rng.integers(0, W))
    y0, x0 = cy - sh // 2, cx - sw // 2
    top, bottom = max(y0, 0), min(y0 + sh, H)
    left, right = max(x0, 0), min(x0 + sw, W)
    return top, left, bottom - top, right - left


def _batch(x, y):
    if _is_tensor(x):
        if x.dim() != 4:
            raise ValueError(f"x must have shape (N, C, H, W), got {tuple(x.shape)}")
        if not x.is_floating_point():
            raise TypeError(f"x must hold floats, got {x.dtype}")
    else:
        if not isinstance(x, np.ndarray):
            raise TypeError(f"x must be a numpy.ndarray or a torch.Tensor, got {type(x).__name__}")
        if x.dtype.kind != "f":
            raise TypeError(f"x must hold floats, got dtype {x.dtype}")
        if x.ndim != 4:
            raise ValueError(f"x must have shape (N, C, H, W), got {x.shape}")
    n = int(x.shape[0])
    if n < 1:
        raise ValueError("x must hold at least one image")
    if len(y) != n:
        raise ValueError(f"y has {len(y)} labels but x has {n} images")
    return n


def _take(a, perm: np.ndarray):
    if _is_tensor(a):
        torch = sys.modules["torch"]
        return a[torch.as_tensor(perm, device=a.device)]
    return np.asarray(a)[perm]


def _alpha(alpha) -> float:
    alpha = _real(alpha, "alpha")
    if alpha <= 0:
        raise ValueError(f"alpha must be positive, got {alpha}")
    return alpha


def mixup(x, y, alpha: float = 1.0, rng=None):
    r"""Mixup (Zhang et al., 2018): blend every image with another image of the batch.

    One :math:`\lambda \sim \text{Beta}(\alpha, \alpha)` is drawn per batch and one random
    permutation :math:`\pi` of the batch; then

    .. math::
        \tilde x_i = \lambda x_i + (1 - \lambda) x_{\pi(i)}, \qquad
        \tilde y_i = \lambda\, y_i + (1 - \lambda)\, y_{\pi(i)}.

    The labels are returned as ``(y_a, y_b, lam)`` with ``y_a = y`` and ``y_b = y[perm]``:
    the weights ``lam`` and ``1 - lam`` sum to 1. Train with
    ``lam * CE(out, y_a) + (1 - lam) * CE(out, y_b)`` (the same as the cross-entropy with the
    soft targets of :func:`mix_targets`). Small ``alpha`` puts :math:`\lambda` near 0 or 1
    (mild mixing); ``alpha = 1`` makes it uniform.

    Args:
        x: float batch ``(N, C, H, W)``, numpy or torch.
        y: labels ``(N,)`` (or any per-sample targets), numpy or torch.
        alpha (float): Beta parameter, positive. Default: 1.0
        rng: a :class:`numpy.random.Generator`, an int seed or ``None``.

    Returns:
        ``(mixed, y_a, y_b, lam)`` with ``lam`` a Python float in [0, 1].

    Examples::

        >>> x = np.stack([np.zeros((1, 2, 2)), np.ones((1, 2, 2))])
        >>> mixed, y_a, y_b, lam = mixup(x, np.array([0, 1]), alpha=1.0, rng=0)
        >>> round(lam, 4), y_a.tolist(), y_b.tolist()
        (0.7025, [0, 1], [1, 0])
        >>> mixed[:, 0, 0, 0].round(4).tolist()          # 0 * lam + 1 * (1 - lam), and back
        [0.2975, 0.7025]
    """
    n = _batch(x, y)
    alpha = _alpha(alpha)
    rng = _as_generator(rng)
    lam = float(rng.beta(alpha, alpha))
    perm = rng.permutation(n)
    mixed = lam * x + (1.0 - lam) * _take(x, perm)
    return mixed, y, _take(y, perm), lam


def cutmix_box(height: int, width: int, lam: float, rng=None):
    r"""Draw the CutMix box for a mixing weight ``lam``: ``(top, left, h, w)`` after clipping.

    As in the reference implementation of Yun et al. (2019): with
    :math:`c_H = \lfloor H \sqrt{1-\lambda} \rfloor` and
    :math:`c_W = \lfloor W \sqrt{1-\lambda} \rfloor`,
    the centre :math:`(c_y, c_x)` is uniform over all pixels and the box spans rows
    :math:`c_y - \lfloor c_H/2 \rfloor` to :math:`c_y + \lfloor c_H/2 \rfloor` (end excluded), so
    before clipping its sides are :math:`2\lfloor c_H/2 \rfloor` by :math:`2\lfloor c_W/2 \rfloor`
    (:math:`c_H` rounded down to an even number; area fraction about :math:`1 - \lambda`). It
    is then clipped to the image. Clipping makes the box smaller, which is why :func:`cutmix`
    recomputes :math:`\lambda` from the area actually pasted.

    Examples::

        >>> cutmix_box(32, 32, 0.75, rng=0)     # a 16 x 16 box, cut by the bottom border
        (19, 12, 13, 16)
    """
    H, W = _hw(height, width)
    lam = _probability(lam, "lam")
    rng = _as_generator(rng)
    cut = math.sqrt(1.0 - lam)
    ch, cw = int(H * cut), int(W * cut)
    cy, cx = int(rng.integers(0, H)), int(rng.integers(0, W))
    top, bottom = min(max(cy - ch // 2, 0), H), min(max(cy + ch // 2, 0), H)
    left, right = min(max(cx - cw // 2, 0), W), min(max(cx + cw // 2, 0), W)
    return top, left, bottom - top, right - left


def cutmix(x, y, alpha: float = 1.0, rng=None):
    r"""CutMix (Yun et al., 2019): paste a box from another image of the batch.

    One :math:`\lambda_0 \sim \text{Beta}(\alpha, \alpha)` and one permutation :math:`\pi`
    per batch; the box of :func:`cutmix_box` is cut out of :math:`x_{\pi(i)}` and pasted
    into :math:`x_i` at the same place. The returned weight is the share of each image's
    pixels that still come from :math:`x_i`,

    .. math::
        \lambda = 1 - \frac{h\,w}{H\,W},

    recomputed from the box after clipping (so the label weights match what the image
    shows). ``lam`` goes with ``y_a = y`` and ``1 - lam`` with ``y_b = y[perm]``.

    Args:
        x: float batch ``(N, C, H, W)``, numpy or torch.
        y: labels ``(N,)``, numpy or torch.
        alpha (float): Beta parameter, positive. Default: 1.0
        rng: a :class:`numpy.random.Generator`, an int seed or ``None``.

    Returns:
        ``(mixed, y_a, y_b, lam)``; ``x`` itself is not modified.

    Examples::

        >>> x = np.stack([np.zeros((1, 4, 4)), np.ones((1, 4, 4))])
        >>> mixed, y_a, y_b, lam = cutmix(x, np.array([0, 1]), rng=3)
        >>> mixed[0, 0]
        array([[0., 0., 0., 0.],
               [0., 0., 0., 0.],
               [0., 0., 1., 1.],
               [0., 0., 1., 1.]])
        >>> lam, y_b.tolist()                       # 4 of 16 pixels come from image 1
        (0.75, [1, 0])
    """
    n = _batch(x, y)
    alpha = _alpha(alpha)
    rng = _as_generator(rng)
    lam0 = float(rng.beta(alpha, alpha))
    perm = rng.permutation(n)
    H, W = int(x.shape[-2]), int(x.shape[-1])
    top, left, h, w = cutmix_box(H, W, lam0, rng)
    mixed = x.clone() if _is_tensor(x) else x.copy()
    mixed[..., top : top + h, left : left + w] = _take(x, perm)[..., top : top + h, left : left + w]
    lam = 1.0 - (h * w) / (H * W)
    return mixed, y, _take(y, perm), lam


def mix_targets(y_a, y_b, lam: float, num_classes: int) -> np.ndarray:
    r"""Soft targets of a mixed batch: ``lam * one_hot(y_a) + (1 - lam) * one_hot(y_b)``.

    Each row sums to 1; when ``y_a[i] == y_b[i]`` the whole weight goes to that class.

    Shape:
        - y_a, y_b: :math:`(N,)` integer labels; Output: :math:`(N, \text{num\_classes})` float64.

    Examples::

        >>> mix_targets(np.array([0, 2]), np.array([1, 2]), 0.7, 3)
        array([[0.7, 0.3, 0. ],
               [0. , 0. , 1. ]])
    """
    ya = np.asarray(y_a.detach().cpu() if _is_tensor(y_a) else y_a)
    yb = np.asarray(y_b.detach().cpu() if _is_tensor(y_b) else y_b)
    if (
        ya.ndim != 1
        or ya.shape != yb.shape
        or ya.dtype.kind not in "iu"
        or yb.dtype.kind not in "iu"
    ):
        raise TypeError(
            "y_a and y_b must be 1-D integer arrays of "
            f"the same length, got {ya.shape} and {yb.shape}"
        )
    lam = _probability(lam, "lam")
    num_classes = check_int(num_classes, "num_classes")
    if num_classes < 1 or (
        ya.size and (min(ya.min(), yb.min()) < 0 or max(ya.max(), yb.max()) >= num_classes)
    ):
        raise ValueError(f"labels must lie in [0, num_classes) with num_classes={num_classes}")
    out = np.zeros((len(ya), int(num_classes)))
    rows = np.arange(len(ya))
    out[rows, ya] += lam
    out[rows, yb] += 1.0 - lam
    return out
