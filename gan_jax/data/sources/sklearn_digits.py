"""The 1,797 8x8 handwritten digits shipped with scikit-learn (no network), as uint8 images."""

import functools
from typing import Tuple

import numpy as np

PROVENANCE = {
    'source': 'the scikit-learn package (sklearn.datasets.load_digits): shipped with it, no download',
    'content': "1,797 8x8 grey digits (counts 0..16 of 4x4 blocks, scaled to 0..255): the test set of UCI's "
               'Optical Recognition of Handwritten Digits (13 writers)',
    'licence': 'the digits: CC BY 4.0 (UCI Machine Learning Repository); scikit-learn: BSD-3-Clause',
    'citation': 'E. Alpaydin, C. Kaynak. Optical Recognition of Handwritten Digits. UCI Machine Learning '
                'Repository, 1998. https://archive.ics.uci.edu/ml/datasets/Optical+Recognition+of+Handwritten+Digits',
}


@functools.lru_cache(maxsize=1)
def load_sklearn_digits() -> Tuple[np.ndarray, np.ndarray]:
  """Returns (images uint8 [1797, 8, 8, 1] in [0, 255], labels int64 [1797] in [0, 9])."""
  import sklearn.datasets  # pylint: disable=g-import-not-at-top  (slow import, only when used)
  digits = sklearn.datasets.load_digits()
  # The pixels are counts 0..16 of a 4x4 block; scale to the usual 8-bit range.
  images = np.round(digits.images * (255.0 / 16.0)).clip(0, 255).astype(np.uint8)[..., None]
  images.setflags(write=False)
  return images, digits.target.astype(np.int64)
