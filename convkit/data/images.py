"""Small real images that ship inside scikit-learn and scikit-image.

Nothing here downloads: the 8x8 digits and the two sample photographs are part
of the scikit-learn wheel, and the four photographs of :func:`load_photo` are
part of the scikit-image wheel.
"""

from __future__ import annotations

import numpy as np

_SKIMAGE_PHOTOS = ("camera", "astronaut", "coffee", "chelsea")
_SKLEARN_PHOTOS = ("china", "flower")
PHOTO_NAMES = _SKIMAGE_PHOTOS + _SKLEARN_PHOTOS


def load_digits8() -> tuple[np.ndarray, np.ndarray]:
    """Return scikit-learn's 1,797 real 8x8 handwritten digits.

    The grey levels 0-16 of the original data are scaled to [0, 1].

    Returns:
        images: float32 array of shape ``(1797, 8, 8)`` with values in [0, 1].
        labels: int64 array of shape ``(1797,)`` with values 0-9.

    Examples::

        >>> images, labels = load_digits8()
        >>> images.shape, images.dtype, float(images.max()), labels[:5].tolist()
        ((1797, 8, 8), dtype('float32'), 1.0, [0, 1, 2, 3, 4])
    """
    try:
        from sklearn.datasets import load_digits
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError(
            "load_digits8 needs scikit-learn, which ships the digits: pip install scikit-learn"
        ) from err
    bunch = load_digits()
    images = np.asarray(bunch.images, dtype=np.float32) / 16.0
    return images, np.asarray(bunch.target, dtype=np.int64)


def load_photo(name: str) -> np.ndarray:
    """Return a real photograph as a float32 array with values in [0, 1].

    Args:
        name: one of ``"camera"`` (grey, 512x512), ``"astronaut"`` (512x512),
            ``"coffee"`` (400x600), ``"chelsea"`` (300x451), all from
            :mod:`skimage.data`, or ``"china"``, ``"flower"`` (427x640), from
            :func:`sklearn.datasets.load_sample_images`.

    Returns:
        An array of shape ``(H, W)`` for grey photographs and ``(H, W, 3)`` for
        colour ones (channels last, as image libraries store them; use
        ``img.transpose(2, 0, 1)`` for CHW).

    Examples::

        >>> load_photo("camera").shape
        (512, 512)
        >>> img = load_photo("chelsea")
        >>> img.shape, img.dtype, bool(0.0 <= img.min() and img.max() <= 1.0)
        ((300, 451, 3), dtype('float32'), True)
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a str, got {type(name).__name__}")
    if name in _SKIMAGE_PHOTOS:
        import skimage.data

        raw = getattr(skimage.data, name)()
    elif name in _SKLEARN_PHOTOS:
        from sklearn.datasets import load_sample_image

        raw = load_sample_image(f"{name}.jpg")
    else:
        raise ValueError(f"name must be one of {', '.join(PHOTO_NAMES)}; got {name!r}")
    return np.asarray(raw, dtype=np.float32) / 255.0
