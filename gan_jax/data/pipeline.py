"""The training input pipeline: batch k is a pure function of (config.seed, config.data, k).

  positions  k*B, k*B+1, ...  ->  sampler's epoch index stream (stateless per epoch)
  batch(B) -> this process's rows [i*b, (i+1)*b) -> gather from the in-memory arrays -> scale to [-1, 1]
  -> augment (seeded by seed, step, row) -> standardise -> prefetch -> numpy

The in-memory uint8 arrays are the cache: decoding and resizing happened once, in the prepare stage.
"""

from __future__ import annotations

from typing import Iterator, Optional, Tuple

import numpy as np

from gan_jax.data import augment, preprocess
from gan_jax.data.rebalance import Sampler
from gan_jax.data.tf_env import tf

_FOREVER = np.iinfo(np.int64).max


def index_stream(sampler: Sampler, start_position: int) -> tf.data.Dataset:
  """int64 example indices from global position `start_position` on, epoch after epoch, forever."""
  length = sampler.epoch_length
  first_epoch, skip = divmod(start_position, length)

  def epoch_slice(epoch):
    indices = tf.numpy_function(lambda e: sampler.epoch_indices(int(e)), [epoch], tf.int64, stateful=False)
    indices.set_shape([length])
    start = tf.where(epoch == first_epoch, tf.constant(skip, tf.int64), tf.constant(0, tf.int64))
    return tf.data.Dataset.from_tensor_slices(indices[start:])

  return tf.data.Dataset.range(first_epoch, _FOREVER).flat_map(epoch_slice)


def train_dataset(data: np.ndarray, labels: np.ndarray, sampler: Sampler, *, kind: str, seed: int,
                  global_batch: int, start_step: int, process_index: int, process_count: int,
                  augment_config, augment_params, stats: Optional[Tuple[np.ndarray, np.ndarray]],
                  deterministic: bool, prefetch: int) -> tf.data.Dataset:
  """Infinite tf.data.Dataset of {'image': float32 [b, ...], 'label': int32 [b]}, b = global/process_count.

  data: uint8 [N, H, W, C] images or float32 [N, 2] points (train split, preprocessed, not augmented).
  """
  local = global_batch // process_count
  row_start = process_index * local
  data_tensor = tf.constant(data)     # captured by the map function, not copied per element
  label_tensor = tf.constant(labels.astype(np.int32))
  ops = augment.enabled_ops(augment_config) if kind == 'image' else []

  def make_batch(step, indices):
    rows = indices[row_start:row_start + local]
    examples = tf.gather(data_tensor, rows)
    if kind == 'image':
      examples = preprocess.to_unit_range(examples)
      if ops:
        examples = augment.augment_batch(examples, seed, step, row_start, global_batch, augment_config,
                                         augment_params)
      examples = preprocess.finish(examples, stats)
    return {'image': examples, 'label': tf.gather(label_tensor, rows)}

  steps = tf.data.Dataset.range(start_step, _FOREVER)
  batches = index_stream(sampler, start_step * global_batch).batch(global_batch, drop_remainder=True)
  ds = tf.data.Dataset.zip((steps, batches))
  ds = ds.map(make_batch, num_parallel_calls=tf.data.AUTOTUNE, deterministic=deterministic)
  options = tf.data.Options()
  options.deterministic = deterministic
  ds = ds.with_options(options)
  if prefetch:
    ds = ds.prefetch(tf.data.AUTOTUNE if prefetch < 0 else prefetch)
  return ds


def as_numpy(ds: tf.data.Dataset) -> Iterator[dict]:
  """Yields numpy dicts from an infinite dataset."""
  for batch in ds.as_numpy_iterator():
    yield batch
