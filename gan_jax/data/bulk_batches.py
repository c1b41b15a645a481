"""Many training batches at once, in bulk numpy: the same batches as `ds.train_iterator`, without tf.data's
per-batch cost (which dominates when a jitted call trains hundreds of small steps).

Batch k holds the examples at stream positions [k*B, (k+1)*B) of the sampler's epoch index stream
(`gan_jax.data.rebalance`, seeded by config.seed), gathered from the preprocessed train split: exactly
what the tf.data pipeline does when there is no augmentation and one process
(tests/test_reproduction.py checks the equality). Other set-ups fall back to `ds.train_iterator`.
"""

from typing import Dict, Optional

import numpy as np

from gan_jax.data.rebalance import make_sampler


def bulk_supported(config) -> bool:
  """True when batches need no per-step tf.data work: no augmentation (standardisation is in split_arrays)."""
  return not any(float(prob) > 0 for prob in config.data.augment.values())


class BulkBatches:
  """batches(start_step, num_steps) -> float32 [num_steps, B, *example_shape] of one run (one seed)."""

  def __init__(self, config, ds, global_batch: int, arrays: Optional[Dict[str, np.ndarray]] = None):
    """arrays: ds.split_arrays('train') when the caller already has it (seeds of one dataset share it)."""
    arrays = ds.split_arrays('train') if arrays is None else arrays
    if ds.train_subset is not None:   # data.train_fraction (gan_jax.data.subset), as ds.train_iterator does
      arrays = {k: v[ds.train_subset] for k, v in arrays.items()}
    self.images, self.batch = arrays['image'], int(global_batch)
    target = config.data.target_distribution
    self.sampler = make_sampler(config.data.rebalance, np.asarray(arrays['label'], np.int64), config.seed,
                                dict(target) if target else None)
    self._epochs: Dict[int, np.ndarray] = {}

  def _epoch(self, epoch: int) -> np.ndarray:
    if epoch not in self._epochs:
      if len(self._epochs) > 4:     # keep a few epochs: consecutive calls revisit the last one
        self._epochs.pop(min(self._epochs))
      self._epochs[epoch] = np.asarray(self.sampler.epoch_indices(epoch), np.int64)
    return self._epochs[epoch]

  def indices(self, start_step: int, num_steps: int) -> np.ndarray:
    """int64 [num_steps, B]: the train-split rows of batches start_step .. start_step + num_steps - 1."""
    length = self.sampler.epoch_length
    first, stop = start_step * self.batch, (start_step + num_steps) * self.batch
    parts, position = [], first
    while position < stop:
      epoch, offset = divmod(position, length)
      take = min(length - offset, stop - position)
      parts.append(self._epoch(epoch)[offset:offset + take])
      position += take
    return np.concatenate(parts).reshape(num_steps, self.batch)

  def batches(self, start_step: int, num_steps: int) -> np.ndarray:
    return self.images[self.indices(start_step, num_steps)]
