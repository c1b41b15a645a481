"""`stacked_digits`: three random digits as the R, G, B channels of one image (offline Stacked MNIST).

label = d0 * 100 + d1 * 10 + d2, so there are 1,000 modes; a generator that covers them all is not
mode-collapsed.
"""

import numpy as np

from gan_jax.core.errors import ConfigError
from gan_jax.data import records
from gan_jax.data.sources.registry import SOURCES, Source
from gan_jax.data.sources.sklearn_digits import load_sklearn_digits

_CHUNK = 4096


def stack_digits(num: int, seed: int):
  """(images uint8 [num, 8, 8, 3], labels int64 [num] in [0, 999]) drawn with numpy from `seed`."""
  digits, digit_labels = load_sklearn_digits()
  picks = np.random.default_rng([seed, 3]).integers(0, len(digits), size=(num, 3))
  images = np.concatenate([digits[picks[:, c]] for c in range(3)], axis=-1)
  labels = digit_labels[picks] @ np.array([100, 10, 1])
  return images, labels.astype(np.int64)


@SOURCES.register('stacked_digits')
class StackedDigits(Source):
  """`num_samples` stacked images generated from data.split_seed."""

  def validate(self, data_config) -> None:
    if data_config.channels != 3:
      raise ConfigError(f'data.channels={data_config.channels}: stacked_digits has 3 channels (one digit each)')
    if data_config.num_samples < 1:
      raise ConfigError(f'data.num_samples={data_config.num_samples}: must be >= 1')

  def load(self, data_config) -> records.SourceData:
    images, labels = stack_digits(data_config.num_samples, data_config.split_seed)

    def chunks():
      for start in range(0, len(images), _CHUNK):
        stop = min(start + _CHUNK, len(images))
        yield records.RecordChunk(sources=[f'stacked_digits/{i}' for i in range(start, stop)],
                                  labels=labels[start:stop], payload=images[start:stop])

    return records.SourceData(kind='image', chunks=chunks(), num_classes=1000, synthetic=True,
                              label_names=None,
                              notes=['stacked_digits: perceptual near-duplicate search skipped (grey hashes '
                                     'cannot tell channel permutations apart)'])
