"""Stacked digits: three digit images as the R, G, B channels of one image, label = 100 d_R + 10 d_G + d_B.

The 1,000-mode benchmark of the mode-collapse literature (Stacked MNIST: Metz et al. 2017, then VEEGAN and
PacGAN): a generator that covers every label is not mode-collapsed. Shared by `stacked_digits` (scikit-learn's
8x8 digits) and `stacked_mnist5k` (real MNIST digits). The evaluation classifier reads one digit per channel
for every source named `stacked_*` (gan_jax.metrics.classifier.stacked_base).
"""

from typing import Iterator, List, NamedTuple, Optional, Sequence, Tuple

import numpy as np

from gan_jax.core.errors import ConfigError
from gan_jax.data import records
from gan_jax.data.sources.registry import Source

CHANNELS = 3
NUM_MODES = 10 ** CHANNELS
CITATION = ('Stacked MNIST: L. Metz, B. Poole, D. Pfau, J. Sohl-Dickstein. Unrolled generative adversarial '
            'networks. ICLR 2017.')
_CHUNK = 4096


def stack(digits: np.ndarray, digit_labels: np.ndarray, num: int,
          rng: np.random.Generator) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
  """(images uint8 [num, H, W, 3], labels int64 [num] in [0, 999], picks int64 [num, 3]).

  Channel c of image i is digits[picks[i, c]] (digits [M, H, W, 1], digit_labels [M] in 0..9), each pick
  uniform over the M digits and drawn from `rng`.
  """
  picks = rng.integers(0, len(digits), size=(num, CHANNELS))
  images = np.concatenate([digits[picks[:, c]] for c in range(CHANNELS)], axis=-1)
  labels = digit_labels[picks] @ (10 ** np.arange(CHANNELS - 1, -1, -1))
  return images, labels.astype(np.int64), picks


class Part(NamedTuple):
  """Stacks of one split (split None: the splits stage assigns them): images uint8 [n, H, W, 3], labels [n], ids."""
  images: np.ndarray
  labels: np.ndarray
  sources: List[str]
  split: Optional[str] = None


class StackedSource(Source):
  """A source of stacked digits: 3 channels, `data.num_samples` stacks, 1,000 labels."""

  def validate(self, data_config) -> None:
    if data_config.channels != CHANNELS:
      raise ConfigError(f'data.channels={data_config.channels}: {data_config.name} has 3 channels (one digit each)')
    if data_config.num_samples < 1:
      raise ConfigError(f'data.num_samples={data_config.num_samples}: must be >= 1')

  @staticmethod
  def source_data(name: str, parts: Sequence[Part], notes: Sequence[str] = ()) -> records.SourceData:
    """The stacks as SourceData, read part by part; parts with a split give the stacks' splits (then every
    part has one), parts without are split by the splits stage."""
    has_splits = bool(parts) and parts[0].split is not None

    def chunks() -> Iterator[records.RecordChunk]:
      for part in parts:
        for start in range(0, len(part.images), _CHUNK):
          stop = min(start + _CHUNK, len(part.images))
          yield records.RecordChunk(sources=part.sources[start:stop], labels=part.labels[start:stop],
                                    payload=part.images[start:stop],
                                    splits=[part.split] * (stop - start) if has_splits else None)

    return records.SourceData(kind='image', chunks=chunks(), num_classes=NUM_MODES, synthetic=True,
                              label_names=None, has_splits=has_splits,
                              notes=[f'{name}: perceptual near-duplicate search skipped (grey hashes cannot tell '
                                     'channel permutations apart)', *notes])
