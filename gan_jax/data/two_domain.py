"""Two data domains (config.data_b, for unpaired translation): domain b is prepared like domain a.

  ds = prepare_dataset(config)        # config.data_b.name set: a TwoDomainDataset
  ds.domain_b                         # domain b's PreparedDataset (cleaned, split, reported like a)
  it = ds.train_iterator(B, start_step=k)
     # {'image': float32 [B, H, W, C], 'label': int32 [B] (domain a), 'image_b': ..., 'label_b': ... (domain b)}

Domain b is `domain_b_config(config)`: the config with data.name / path / image_key / label_key taken from
data_b and every other data.* key (size, channels, cleaning, split fractions and seed, augmentation) kept, so
a source of other channels or size is converted to data.channels and resized to data.image_size by the
cleaning stage as domain a's is; a domain that is not an image dataset (or whose prepared shape still
differs) is refused in one line. The domains are unpaired: domain b's batch order is drawn from seed + 1,
so two domains of the same size (a source and a transformed copy of it) do not walk in step. Labels are kept
for measurement (label preservation); the translation step never reads them.
"""

from typing import Dict, Iterator

import numpy as np

from gan_jax.core.errors import DataError

# data_b.* -> data.* of domain b's config
DOMAIN_B_KEYS = ('name', 'path', 'image_key', 'label_key', 'transform', 'frame_fraction')
B_SEED_OFFSET = 1


def domain_a_config(config):
  """A copy of config with data_b cleared: domain a as a one-domain dataset."""
  a = config.copy_and_resolve_references()
  a.data_b.name = ''
  return a


def domain_b_config(config):
  """A copy of config whose data section describes domain b (and data_b is cleared, so it is one domain)."""
  b = config.copy_and_resolve_references()
  for key in DOMAIN_B_KEYS:
    b.data[key] = config.data_b[key]
  b.data_b.name = ''
  b.seed = config.seed + B_SEED_OFFSET
  return b


def domain_config(config, which: str):
  """'a' -> domain_a_config(config), 'b' -> domain_b_config(config)."""
  return {'a': domain_a_config, 'b': domain_b_config}[which](config)


def check_shapes(a, b) -> None:
  """DataError (one line) unless both domains are image datasets of the same example shape."""
  for name, ds in (('data', a), ('data_b', b)):
    if ds.kind != 'image':
      raise DataError(f'{name}.name={ds.name!r} is a {ds.kind} dataset; two-domain translation needs images')
  if tuple(a.example_shape) != tuple(b.example_shape):
    raise DataError(f'data_b.name={b.name!r} prepares {tuple(b.example_shape)} images, data.name={a.name!r} '
                    f'{tuple(a.example_shape)}: the domains must have one shape (data.image_size, data.channels)')


class TwoDomainDataset:
  """Domain a's PreparedDataset (every attribute of it: splits, classes, report, ...) with domain b beside it."""

  def __init__(self, a, b):
    check_shapes(a, b)
    self.domain_a, self.domain_b = a, b
    self.report = {**a.report, 'domain_b': b.report}

  def __getattr__(self, name):
    return getattr(self.domain_a, name)

  def domain(self, which: str):
    """'a' -> domain a's PreparedDataset, 'b' -> domain b's."""
    return {'a': self.domain_a, 'b': self.domain_b}[which]

  def train_iterator(self, global_batch_size: int, start_step: int = 0) -> Iterator[Dict[str, np.ndarray]]:
    """Infinite numpy batches of both domains (each its own order): domain b's entries get the suffix _b."""
    a = self.domain_a.train_iterator(global_batch_size, start_step)
    b = self.domain_b.train_iterator(global_batch_size, start_step)
    for batch_a, batch_b in zip(a, b):
      yield {**batch_a, **{f'{key}_b': value for key, value in batch_b.items()}}
