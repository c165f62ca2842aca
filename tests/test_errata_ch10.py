"""Chapter 10's whitening erratum: standardising pixels keeps their correlations, ZCA removes most.

The CNN lecture notes call "subtract the mean, divide by the standard deviation" whitening. The page
measures the correlation of two neighbouring pixels before, after standardising and after
``convkit.transforms.ZCAWhitening``; this test recomputes the same three numbers on the same digits.
"""

import numpy as np

from convkit import transforms as T
from convkit.data import mnist_train_val


def test_standardising_is_not_whitening():
    (x_train, _), _ = mnist_train_val(500, seed=0)
    flat = x_train[:2000].reshape(2000, -1)
    a, b = 14 * 28 + 13, 14 * 28 + 14
    standard = (flat - flat.mean(0)) / (flat.std(0) + 1e-8)
    white = T.ZCAWhitening(eps=1e-2).fit(x_train[:2000, None])(x_train[:2000, None])
    white = white.reshape(2000, -1)
    before = np.corrcoef(flat[:, a], flat[:, b])[0, 1]
    standardised = np.corrcoef(standard[:, a], standard[:, b])[0, 1]
    whitened = np.corrcoef(white[:, a], white[:, b])[0, 1]
    assert before > 0.5  # neighbouring pixels of digits are strongly correlated
    assert abs(standardised - before) < 1e-6  # the notes' "whitening" leaves that as it was
    assert whitened < before / 2  # ZCA removes most of it
