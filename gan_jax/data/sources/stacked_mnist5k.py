"""`stacked_mnist5k`: Stacked MNIST from real digits: three of mnist5k's digits as the R, G, B channels.

The 1,000-mode benchmark (gan_jax.data.sources.stacking) on the 5,000 real MNIST digits of `mnist5k`. No digit
is in two splits: mnist5k is prepared first (`digit_config`: this config's image size, cleaning, split fractions
and seed, 1 channel; the same prepared data as a `mnist5k` run with those settings, read from the prepared-data
cache when it is there), and the train stacks draw only from its train split, the val and test stacks from its
val and test splits. The per-channel evaluation classifier, trained on the train stacks' channels, so learns
mnist5k's train digits only, and its test accuracy is measured on digits it never saw. Each stack's id names
its three digits: 'stacked_mnist5k/<split>/<i>=mnist5k/<r>+mnist5k/<g>+mnist5k/<b>'.
"""

from typing import Dict

import numpy as np

from gan_jax.core import schema
from gan_jax.core.errors import ConfigError, DataError
from gan_jax.data import records
from gan_jax.data.records import SPLITS
from gan_jax.data.sources import mnist5k, stacking
from gan_jax.data.sources.registry import SOURCES

NAME = 'stacked_mnist5k'
PROVENANCE = {
    'source': "derived by gan_jax from mnist5k: data.num_samples stacks drawn from data.split_seed, each split's "
              'from the same split of mnist5k',
    'content': "three of mnist5k's real MNIST digits as the R, G, B channels; label = 100 d_R + 10 d_G + d_B "
               '(1,000 modes)',
    'licence': "derived data, under the digits' licence: " + mnist5k.PROVENANCE['licence'],
    'citation': stacking.CITATION + ' Digits: ' + mnist5k.PROVENANCE['citation'],
    'derived_from': mnist5k.PROVENANCE,
}


def digit_config(data_config):
  """The mnist5k data config whose prepared splits the stacks are drawn from: this one's image size, cleaning,
  split fractions and seed, 1 channel; num_samples at its default (mnist5k does not read it), so that the
  prepared-data cache key is a plain mnist5k run's."""
  config = data_config.copy_and_resolve_references()
  config.name, config.channels = 'mnist5k', 1
  config.num_samples = schema.BY_NAME['data.num_samples'].default
  return config


def stack_counts(num: int, val_fraction: float, test_fraction: float) -> Dict[str, int]:
  """Stacks per split: round(fraction * num) for val and test, the rest train."""
  val, test = round(val_fraction * num), round(test_fraction * num)
  return {'train': num - val - test, 'val': val, 'test': test}


@SOURCES.register(NAME)
class StackedMnist5k(stacking.StackedSource):
  """`num_samples` stacks of mnist5k's digits, split by the digits' splits."""

  def validate(self, data_config) -> None:
    super().validate(data_config)
    if data_config.resplit:
      raise ConfigError(f'data.resplit=True: {NAME} keeps the splits of its digits (no digit in two splits); '
                        'allowed: False')

  def fingerprint(self, data_config) -> str:
    return 'mnist5k:' + mnist5k.Mnist5k().fingerprint(data_config)

  def provenance(self, data_config) -> dict:
    del data_config
    return dict(PROVENANCE)

  def load(self, data_config) -> records.SourceData:
    from gan_jax.data.prepare import load_or_prepare  # pylint: disable=g-import-not-at-top  (only when used)
    arrays, _, _, _ = load_or_prepare(digit_config(data_config), mnist5k.Mnist5k())
    counts = stack_counts(data_config.num_samples, data_config.val_fraction, data_config.test_fraction)
    parts = []
    for stream, split in enumerate(SPLITS):
      pool, num = arrays[split], counts[split]
      if not num:
        continue
      if not len(pool['labels']):
        raise DataError(f"data.name='{NAME}': mnist5k's {split} split is empty after cleaning; its {num} stacks "
                        'need digits (see data.clean.* and the split fractions)')
      rng = np.random.default_rng([data_config.split_seed, 3, stream])
      images, labels, picks = stacking.stack(pool['data'], pool['labels'], num, rng)
      ids = [f'{NAME}/{split}/{i}=' + '+'.join(digits) for i, digits in enumerate(pool['sources'][picks])]
      parts.append(stacking.Part(images, labels, ids, split))
    used = ', '.join(f'{s} {len(arrays[s]["labels"])}' for s in SPLITS)
    note = f"{NAME}: each split's stacks drawn from the same split of mnist5k ({used} digits)"
    return self.source_data(NAME, parts, notes=[note])
