"""`stacked_digits`: three of scikit-learn's 8x8 digits as the R, G, B channels of one image (offline Stacked MNIST).

label = d0 * 100 + d1 * 10 + d2, so there are 1,000 modes (gan_jax.data.sources.stacking). The stacks are drawn
from all 1,797 digits and then split like any source: a digit can be a channel of stacks in two splits (only
identical stacks are kept out of two splits). `stacked_mnist5k` keeps its splits' digits apart.
"""

import numpy as np

from gan_jax.data import records
from gan_jax.data.sources import sklearn_digits, stacking
from gan_jax.data.sources.registry import SOURCES

PROVENANCE = {
    'source': 'derived by gan_jax: data.num_samples stacks of scikit-learn digits drawn from data.split_seed',
    'content': "three of scikit-learn's 8x8 digits as the R, G, B channels; label = 100 d_R + 10 d_G + d_B "
               '(1,000 modes)',
    'licence': "derived data, under the digits' licence: " + sklearn_digits.PROVENANCE['licence'],
    'citation': stacking.CITATION + ' Digits: ' + sklearn_digits.PROVENANCE['citation'],
    'derived_from': sklearn_digits.PROVENANCE,
}


def stack_digits(num: int, seed: int):
  """(images uint8 [num, 8, 8, 3], labels int64 [num] in [0, 999]) drawn with numpy from `seed`."""
  digits, digit_labels = sklearn_digits.load_sklearn_digits()
  images, labels, _ = stacking.stack(digits, digit_labels, num, np.random.default_rng([seed, 3]))
  return images, labels


@SOURCES.register('stacked_digits')
class StackedDigits(stacking.StackedSource):
  """`num_samples` stacked images generated from data.split_seed."""

  def provenance(self, data_config) -> dict:
    del data_config
    return dict(PROVENANCE)

  def load(self, data_config) -> records.SourceData:
    images, labels = stack_digits(data_config.num_samples, data_config.split_seed)
    sources = [f'stacked_digits/{i}' for i in range(len(images))]
    return self.source_data('stacked_digits', [stacking.Part(images, labels, sources)])
