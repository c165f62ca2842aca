r"""Data augmentation and input normalisation as callable classes, in numpy (chapter 10).

Every transform is a small callable class built on the functions of
:mod:`convkit.transforms.functional`. Images are **channels first**: one image is
``(C, H, W)``, and any leading axes are allowed (``(..., H, W)``): a per-image transform
then applies the *same* random draw to everything in front of the last two axes. A
transform called on a :class:`torch.Tensor` returns a tensor of the same dtype and device
(the work is done in numpy, so ``import convkit`` never imports torch); this is how they
plug into :class:`convkit.data.ArrayDataset`.

Randomness is explicit: each random transform takes ``rng``, a
:class:`numpy.random.Generator`, an int seed, or ``None`` (fresh entropy), and
draws only from it, so a seeded transform gives the same sequence of outputs
every time. Each random transform has a ``get_params`` static method (as
torchvision's) that returns what it drew, e.g. the crop box, so tests can check
the sampling without looking at pixels.
"""

from __future__ import annotations

import math

import numpy as np

from convkit.transforms.functional import (
    _as_generator,
    _back,
    _jitter_range,
    _nonnegative,
    _probability,
    _range,
    _real,
    _rgb,
    _size_pair,
    _to_numpy,
    adjust_brightness,
    adjust_contrast,
    adjust_hue,
    adjust_saturation,
    affine,
    center_crop,
    cutout_params,
    random_resized_crop_params,
    resized_crop,
)

__all__ = [
    "Compose",
    "Normalize",
    "PerImageStandardize",
    "ZCAWhitening",
    "RandomHorizontalFlip",
    "CenterCrop",
    "RandomResizedCrop",
    "ColorJitter",
    "RandomAffine",
    "Cutout",
]


class Compose:
    """Apply transforms one after the other.

    Args:
        transforms (list): callables ``x -> x``.

    Examples::

        >>> t = Compose([CenterCrop(2), lambda x: 2 * x])
        >>> t(np.arange(16.0).reshape(1, 4, 4))
        array([[[10., 12.],
                [18., 20.]]])
    """

    def __init__(self, transforms):
        if not isinstance(transforms, (list, tuple)):
            raise TypeError(
                f"transforms must be a list of callables, got {type(transforms).__name__}"
            )
        for i, t in enumerate(transforms):
            if not callable(t):
                raise TypeError(f"transforms[{i}] is not callable: {t!r}")
        self.transforms = list(transforms)

    def __call__(self, x):
        for t in self.transforms:
            x = t(x)
        return x

    def __repr__(self) -> str:
        inner = "".join(f"\n    {t!r}," for t in self.transforms)
        return f"Compose([{inner}\n])"


class Normalize:
    r"""Subtract a mean and divide by a standard deviation, per channel.

    .. math::
        \text{out}[c] = \frac{\text{img}[c] - \text{mean}[c]}{\text{std}[c]}

    With the channel statistics of the training set (:func:`channel_stats`) every
    channel of the training data gets mean 0 and standard deviation 1. The same
    numbers, never ones measured on test data, are used at test time.

    Args:
        mean (sequence of float): one value per channel (or one for all).
        std (sequence of float): one positive value per channel (or one for all).

    Shape:
        - Input: :math:`(*, C, H, W)`; Output: the same.

    Examples::

        >>> norm = Normalize([0.5, 0.0], [0.5, 2.0])
        >>> x = np.ones((2, 1, 1))
        >>> norm(x)[:, 0, 0]
        array([1. , 0.5])
        >>> norm.inverse(norm(x))[:, 0, 0]
        array([1., 1.])
    """

    def __init__(self, mean, std):
        self.mean = np.atleast_1d(np.asarray(mean, dtype=np.float64))
        self.std = np.atleast_1d(np.asarray(std, dtype=np.float64))
        if self.mean.ndim != 1 or not np.all(np.isfinite(self.mean)):
            raise ValueError(f"mean must be a finite number or a 1-D sequence, got {mean!r}")
        if self.std.ndim != 1 or not np.all(np.isfinite(self.std)) or np.any(self.std <= 0):
            raise ValueError(f"std must be positive and finite, got {std!r}")
        if len(self.mean) != len(self.std) and 1 not in (len(self.mean), len(self.std)):
            raise ValueError(
                f"mean and std must have the same length, got {len(self.mean)} and {len(self.std)}"
            )

    def _stats(self, x: np.ndarray):
        if x.ndim < 3:
            raise ValueError(f"img must have shape (*, C, H, W), got {x.shape}")
        c = x.shape[-3]
        for name, v in (("mean", self.mean), ("std", self.std)):
            if len(v) not in (1, c):
                raise ValueError(f"{name} has {len(v)} values but the image has {c} channels")
        return self.mean[:, None, None].astype(x.dtype), self.std[:, None, None].astype(x.dtype)

    def __call__(self, img):
        x, like = _to_numpy(img, "img", 3)
        mean, std = self._stats(x)
        return _back((x - mean) / std, like)

    def inverse(self, img):
        """Undo the normalisation: ``img * std + mean``."""
        x, like = _to_numpy(img, "img", 3)
        mean, std = self._stats(x)
        return _back(x * std + mean, like)

    def __repr__(self) -> str:
        return f"Normalize(mean={self.mean.tolist()}, std={self.std.tolist()})"


class PerImageStandardize:
    r"""Standardise each image on its own: subtract its mean, divide by its standard deviation.

    This is the "whitening" of many early CNN papers in its simplest form (and the rule
    of ``tf.image.per_image_standardization``): the statistics are those of the image
    itself, over all its channels and pixels, so no training-set statistics are needed.
    A flat image would divide by zero, so the divisor is at least :math:`1/\sqrt{n}`:

    .. math::
        \text{out} = \frac{\text{img} - \mu}{\max(\sigma, 1/\sqrt{n})}, \qquad n = C H W.

    Shape:
        - Input: :math:`(C, H, W)` or :math:`(N, C, H, W)` (each image on its own); Output: the
          same.

    Examples::

        >>> out = PerImageStandardize()(np.array([[[1.0, 3.0]]]))
        >>> out
        array([[[-1.,  1.]]])
    """

    def __call__(self, img):
        x, like = _to_numpy(img, "img", 3)
        if x.ndim not in (3, 4):
            raise ValueError(f"img must have shape (C, H, W) or (N, C, H, W), got {x.shape}")
        axes = (-3, -2, -1)
        n = x.shape[-3] * x.shape[-2] * x.shape[-1]
        mean = x.mean(axis=axes, keepdims=True)
        std = np.maximum(x.std(axis=axes, keepdims=True), 1.0 / math.sqrt(n))
        return _back((x - mean) / std, like)

    def __repr__(self) -> str:
        return "PerImageStandardize()"


class ZCAWhitening:
    r"""ZCA whitening fitted on a set of images: decorrelate the pixels, then rotate back.

    :meth:`fit` flattens each image to a vector of :math:`D = C H W` values, measures the
    mean :math:`\mu` and the covariance :math:`\Sigma = U \Lambda U^\top`, and keeps

    .. math::
        W = U (\Lambda + \epsilon I)^{-1/2} U^\top, \qquad \text{out} = W (\text{img} - \mu).

    With :math:`\epsilon = 0` the whitened training vectors have the identity covariance.
    Among all whitening matrices, ZCA's (symmetric) one changes the images least, so
    whitened images still look like images: edges are kept and smooth areas are flattened.
    ``eps`` damps the directions of tiny variance, which are mostly noise.

    Args:
        eps (float): added to the eigenvalues. Default: 1e-2

    Shape:
        - fit: :math:`(N, C, H, W)` (or :math:`(N, H, W)`); call: :math:`(C, H, W)` or
          :math:`(M, C, H, W)` with the fitted :math:`C, H, W`.

    Examples::

        >>> x = (np.random.default_rng(0).normal(size=(500, 1, 2, 2))
        ...      @ np.array([[2.0, 0.0], [1.0, 1.0]]))
        >>> zca = ZCAWhitening(eps=0.0).fit(x)
        >>> z = zca(x).reshape(500, 4)
        >>> bool(np.allclose(np.cov(z, rowvar=False, bias=True), np.eye(4)))
        True
    """

    def __init__(self, eps: float = 1e-2):
        self.eps = _real(eps, "eps")
        if self.eps < 0:
            raise ValueError(f"eps must be non-negative, got {eps}")
        self.mean_: np.ndarray | None = None
        self.matrix_: np.ndarray | None = None
        self.shape_: tuple[int, ...] | None = None

    def fit(self, images) -> ZCAWhitening:
        x, _ = _to_numpy(images, "images", 3)
        if x.ndim == 3:
            x = x[:, None]
        if x.ndim != 4 or len(x) < 2:
            raise ValueError(f"images must have shape (N, C, H, W) with N >= 2, got {x.shape}")
        flat = x.reshape(len(x), -1).astype(np.float64)
        self.shape_ = x.shape[1:]
        mean = flat.mean(axis=0)
        self.mean_ = mean
        centred = flat - mean
        cov = centred.T @ centred / len(flat)
        vals, vecs = np.linalg.eigh(cov)
        vals = np.maximum(vals, 0.0) + self.eps
        if np.any(vals <= 0):
            raise ValueError("the covariance is singular: use eps > 0")
        self.matrix_ = (vecs / np.sqrt(vals)) @ vecs.T
        return self

    def __call__(self, img):
        if self.matrix_ is None or self.mean_ is None or self.shape_ is None:
            raise RuntimeError("call fit(images) before using ZCAWhitening")
        x, like = _to_numpy(img, "img", 3)
        if x.shape[-3:] != self.shape_ or x.ndim not in (3, 4):
            raise ValueError(
                f"img must have shape (C, H, W) = {self.shape_} (or a batch of them), got {x.shape}"
            )
        flat = x.reshape(-1, int(np.prod(self.shape_))).astype(np.float64)
        out = (flat - self.mean_) @ self.matrix_  # the matrix is symmetric
        return _back(out.reshape(x.shape).astype(x.dtype), like)

    def __repr__(self) -> str:
        return f"ZCAWhitening(eps={self.eps})"


class RandomHorizontalFlip:
    """Mirror the image left-right with probability ``p``.

    A flip leaves the label of most photographs unchanged (a cat facing left is still a
    cat), but not of everything: a mirrored 2, 5 or 7 is no longer a well-formed digit,
    and a mirrored text or road sign may mean something else.

    Args:
        p (float): probability of a flip, in [0, 1]. Default: 0.5
        rng: a :class:`numpy.random.Generator`, an int seed or ``None``.

    Shape:
        - Input: :math:`(*, H, W)`; Output: the same.

    Examples::

        >>> x = np.array([[[1.0, 2.0]]])
        >>> RandomHorizontalFlip(p=1.0)(x)
        array([[[2., 1.]]])
        >>> flip = RandomHorizontalFlip(0.5, rng=0)
        >>> [bool(flip(x)[0, 0, 0] == 2.0) for _ in range(6)]
        [False, True, True, True, False, False]
    """

    def __init__(self, p: float = 0.5, rng=None):
        self.p = _probability(p, "p")
        self.rng = _as_generator(rng)

    @staticmethod
    def get_params(p: float, rng) -> bool:
        """Whether to flip: one uniform draw below ``p``."""
        return bool(rng.random() < p)

    def __call__(self, img):
        x, like = _to_numpy(img, "img")
        if self.get_params(self.p, self.rng):
            x = x[..., ::-1].copy()
        return _back(x, like)

    def __repr__(self) -> str:
        return f"RandomHorizontalFlip(p={self.p})"


class CenterCrop:
    """:func:`center_crop` as a transform: the test-time counterpart of :class:`RandomResizedCrop`.

    Examples::

        >>> CenterCrop((2, 4))(np.zeros((3, 6, 8))).shape
        (3, 2, 4)
    """

    def __init__(self, size):
        self.size = _size_pair(size, "size")

    def __call__(self, img):
        return center_crop(img, self.size)

    def __repr__(self) -> str:
        return f"CenterCrop(size={self.size})"


class RandomResizedCrop:
    """Crop a random box (random area and aspect ratio), then resize it to ``size``.

    The training-time crop: the box comes from :func:`random_resized_crop_params`, the
    resize from :func:`resized_crop` (bilinear). At test time use a fixed resize and
    :class:`CenterCrop` instead, so the same image always gives the same input.

    Args:
        size (int or (int, int)): output height and width.
        scale (float, float): range of the area fraction of the box. Default: (0.08, 1.0)
        ratio (float, float): range of its aspect ratio w/h (log-uniform). Default: (3/4, 4/3)
        rng: a :class:`numpy.random.Generator`, an int seed or ``None``.

    Shape:
        - Input: :math:`(*, H, W)`; Output: :math:`(*, \\text{size}[0], \\text{size}[1])`.

    Examples::

        >>> t = RandomResizedCrop(8, scale=(0.25, 0.5), rng=0)
        >>> t(np.zeros((3, 32, 32))).shape
        (3, 8, 8)
        >>> t.last_params
        (3, 0, 22, 19)
    """

    def __init__(self, size, scale=(0.08, 1.0), ratio=(3 / 4, 4 / 3), rng=None):
        self.size = _size_pair(size, "size")
        self.scale = _range(scale, "scale")
        self.ratio = _range(ratio, "ratio")
        self.rng = _as_generator(rng)
        self.last_params: tuple[int, int, int, int] | None = None

    get_params = staticmethod(random_resized_crop_params)

    def __call__(self, img):
        x, like = _to_numpy(img, "img")
        top, left, height, width = random_resized_crop_params(
            x.shape[-2], x.shape[-1], self.scale, self.ratio, self.rng
        )
        self.last_params = (top, left, height, width)
        return _back(resized_crop(x, top, left, height, width, self.size), like)

    def __repr__(self) -> str:
        return f"RandomResizedCrop(size={self.size}, scale={self.scale}, ratio={self.ratio})"


class ColorJitter:
    r"""Randomly change brightness, contrast, saturation and hue of RGB images in [0, 1].

    Each factor is drawn uniformly: brightness, contrast and saturation from
    :math:`[\max(0, 1 - v), 1 + v]` for an argument :math:`v` (or from a given pair), hue
    shifts from :math:`[-v, v]` with :math:`v \le 0.5`. The four adjustments
    (:func:`adjust_brightness`, :func:`adjust_contrast`, :func:`adjust_saturation`,
    :func:`adjust_hue`) run in a random order, as torchvision's do; each clips to [0, 1],
    so the output stays a valid image.

    Args:
        brightness, contrast, saturation (float or (float, float)): Default: 0 (off)
        hue (float or (float, float)): Default: 0 (off)
        rng: a :class:`numpy.random.Generator`, an int seed or ``None``.

    Shape:
        - Input: :math:`(*, 3, H, W)`; Output: the same.

    Examples::

        >>> jitter = ColorJitter(brightness=0.4, contrast=0.4, saturation=0.4, hue=0.1, rng=0)
        >>> out = jitter(np.full((3, 4, 4), 0.5))
        >>> out.shape, bool(0 <= out.min() and out.max() <= 1)
        ((3, 4, 4), True)
    """

    def __init__(self, brightness=0, contrast=0, saturation=0, hue=0, rng=None):
        self.brightness = _jitter_range(brightness, "brightness", 1.0, (0.0, math.inf))
        self.contrast = _jitter_range(contrast, "contrast", 1.0, (0.0, math.inf))
        self.saturation = _jitter_range(saturation, "saturation", 1.0, (0.0, math.inf))
        self.hue = _jitter_range(hue, "hue", 0.0, (-0.5, 0.5))
        self.rng = _as_generator(rng)

    @staticmethod
    def get_params(brightness, contrast, saturation, hue, rng):
        """``(order, b, c, s, h)``: a permutation of the four steps and the drawn factors (None:
        off)."""
        order = rng.permutation(4)
        factors = [
            None if r is None else float(rng.uniform(r[0], r[1]))
            for r in (brightness, contrast, saturation, hue)
        ]
        return (order, *factors)

    def __call__(self, img):
        x, like = _rgb(img)
        order, *factors = self.get_params(
            self.brightness, self.contrast, self.saturation, self.hue, self.rng
        )
        steps = (adjust_brightness, adjust_contrast, adjust_saturation, adjust_hue)
        for k in order:
            if factors[k] is not None:
                x = steps[k](x, factors[k])
        return _back(x, like)

    def __repr__(self) -> str:
        return (
            f"ColorJitter(brightness={self.brightness}, contrast={self.contrast}, "
            f"saturation={self.saturation}, hue={self.hue})"
        )


class RandomAffine:
    """Random small rotation, shift and scaling (:func:`affine`) with uniformly drawn parameters.

    Args:
        degrees (float or (float, float)): rotation range; a number ``d`` means ``(-d, d)``.
        translate ((float, float), optional): largest shift as a fraction of the width and of
            the height: ``dx`` is drawn from ``[-a W, a W]``, ``dy`` from ``[-b H, b H]`` (pixels,
            not rounded). Default: no shift
        scale ((float, float), optional): range of the scale factor. Default: 1
        fill (float): value of the uncovered border. Default: 0
        rng: a :class:`numpy.random.Generator`, an int seed or ``None``.

    Shape:
        - Input: :math:`(*, H, W)`; Output: the same.

    Examples::

        >>> t = RandomAffine(10, translate=(0.1, 0.1), rng=0)
        >>> t(np.zeros((1, 28, 28))).shape
        (1, 28, 28)
        >>> angle, (dx, dy), s = t.get_params((-10.0, 10.0), (0.1, 0.1), None, (28, 28),
        ...     np.random.default_rng(0))
        >>> bool(-10 <= angle <= 10 and abs(dx) <= 2.8 and abs(dy) <= 2.8 and s == 1)
        True
    """

    def __init__(self, degrees, translate=None, scale=None, fill: float = 0.0, rng=None):
        if isinstance(degrees, (tuple, list)):
            self.degrees = _range(degrees, "degrees", positive=False)
        else:
            d = _nonnegative(degrees, "degrees")
            self.degrees = (-d, d)
        if translate is not None:
            if not isinstance(translate, (tuple, list)) or len(translate) != 2:
                raise TypeError(f"translate must be None or a pair of fractions, got {translate!r}")
            translate = tuple(_real(t, "translate") for t in translate)
            if not all(0.0 <= t <= 1.0 for t in translate):
                raise ValueError(f"translate fractions must lie in [0, 1], got {translate!r}")
        self.translate = translate
        self.scale = None if scale is None else _range(scale, "scale")
        self.fill = _real(fill, "fill")
        self.rng = _as_generator(rng)

    @staticmethod
    def get_params(degrees, translate, scale_range, img_size, rng):
        """``(angle, (dx, dy), scale)`` drawn uniformly from the ranges."""
        angle = float(rng.uniform(degrees[0], degrees[1]))
        if translate is None:
            shift = (0.0, 0.0)
        else:
            max_dx, max_dy = translate[0] * img_size[1], translate[1] * img_size[0]
            shift = (float(rng.uniform(-max_dx, max_dx)), float(rng.uniform(-max_dy, max_dy)))
        s = 1.0 if scale_range is None else float(rng.uniform(scale_range[0], scale_range[1]))
        return angle, shift, s

    def __call__(self, img):
        x, like = _to_numpy(img, "img")
        angle, shift, s = self.get_params(
            self.degrees, self.translate, self.scale, x.shape[-2:], self.rng
        )
        return _back(affine(x, angle, shift, s, self.fill), like)

    def __repr__(self) -> str:
        return (
            f"RandomAffine(degrees={self.degrees}, translate={self.translate}, scale={self.scale})"
        )


class Cutout:
    """Erase a random square of every channel (set it to ``fill``), at training time only.

    Args:
        size (int or (int, int)): side of the square before clipping at the border.
        fill (float): the value written into the box. Default: 0
        rng: a :class:`numpy.random.Generator`, an int seed or ``None``.

    Shape:
        - Input: :math:`(*, H, W)`; Output: the same.

    Examples::

        >>> out = Cutout(2, rng=0)(np.ones((1, 4, 4)))
        >>> out[0]
        array([[1., 1., 1., 1.],
               [1., 1., 1., 1.],
               [1., 0., 0., 1.],
               [1., 0., 0., 1.]])
    """

    def __init__(self, size, fill: float = 0.0, rng=None):
        self.size = _size_pair(size, "size")
        self.fill = _real(fill, "fill")
        self.rng = _as_generator(rng)
        self.last_params: tuple[int, int, int, int] | None = None

    get_params = staticmethod(cutout_params)

    def __call__(self, img):
        x, like = _to_numpy(img, "img")
        top, left, h, w = cutout_params(x.shape[-2], x.shape[-1], self.size, self.rng)
        self.last_params = (top, left, h, w)
        out = x.copy()
        out[..., top : top + h, left : left + w] = self.fill
        return _back(out, like)

    def __repr__(self) -> str:
        return f"Cutout(size={self.size}, fill={self.fill})"
