"""Data augmentation and input normalisation in numpy (chapter 10), laid out like torchvision's.

:mod:`convkit.transforms.functional` holds the stateless functions (``hflip``, ``affine``,
``mixup``...), :mod:`convkit.transforms.transforms` the callable classes built on them
(``RandomHorizontalFlip``, ``RandomAffine``...). Both are re-exported here, so
``from convkit import transforms as T`` then ``T.hflip`` and ``T.RandomHorizontalFlip`` work.
"""

from convkit.transforms import functional
from convkit.transforms.functional import *  # noqa: F403
from convkit.transforms.functional import __all__ as _functional_all
from convkit.transforms.transforms import *  # noqa: F403
from convkit.transforms.transforms import __all__ as _transforms_all

__all__ = ["functional", *_transforms_all, *_functional_all]
