"""Which train examples each epoch visits, and in what order: the class (re)balancing samplers.

A sampler maps an epoch number to int64 indices [epoch_length] with tf stateless ops seeded by
(config.seed, epoch), so the stream of indices is a pure function of the seed: the pipeline can start
at any step without replaying earlier ones.

  none         every example once per epoch, shuffled (epoch = N)
  oversample   every class max_count times per epoch (minority examples repeat; epoch = K * max_count)
  undersample  every class min_count times per epoch (a fresh random subset; epoch = K * min_count)
  target       each slot draws a class from data.target_distribution, then an example of it (epoch = N)
"""

from typing import Dict, Optional

import numpy as np

from gan_jax.data.tf_env import tf
from gan_jax.errors import DataError
from gan_jax.registry import Registry

SAMPLERS = Registry('rebalance mode', 'data.rebalance')
_SAMPLER_STREAM = 0x53414D50


class _Classes:
  """The train labels grouped by class: members of class k are by_class[offsets[k]:offsets[k] + counts[k]]."""

  def __init__(self, labels: np.ndarray):
    self.classes, class_of = np.unique(labels, return_inverse=True)
    self.counts = np.bincount(class_of, minlength=len(self.classes)).astype(np.int64)
    self.offsets = np.concatenate([[0], np.cumsum(self.counts)[:-1]]).astype(np.int64)
    self.class_of = class_of.astype(np.int64)


def _epoch_seed(seed: int, epoch, salt: int):
  base = tf.random.experimental.stateless_fold_in(tf.constant([seed, _SAMPLER_STREAM], tf.int64), salt)
  return tf.random.experimental.stateless_fold_in(base, tf.cast(epoch, tf.int64))


class Sampler:
  """epoch_indices(epoch) -> int64 [epoch_length]; usable eagerly and inside tf.data."""
  epoch_length: int

  def epoch_indices(self, epoch):
    raise NotImplementedError


@SAMPLERS.register('none')
class Shuffle(Sampler):

  def __init__(self, labels: np.ndarray, seed: int, target: Optional[Dict] = None):
    del target
    self.epoch_length, self.seed = len(labels), seed

  def epoch_indices(self, epoch):
    return tf.random.experimental.stateless_shuffle(
        tf.range(self.epoch_length, dtype=tf.int64), seed=_epoch_seed(self.seed, epoch, 0))


class _PerClassSlots(Sampler):
  """`per_class` slots for every class per epoch, visiting each class's examples in a fresh random order."""
  per_class_fn = None

  def __init__(self, labels: np.ndarray, seed: int, target: Optional[Dict] = None):
    del target
    self.groups, self.seed = _Classes(labels), seed
    self.per_class = int(type(self).per_class_fn(self.groups.counts))
    self.epoch_length = self.per_class * len(self.groups.classes)

  def epoch_indices(self, epoch):
    g = self.groups
    # Random order inside each class: sort by (class, uniform key).
    keys = tf.random.stateless_uniform([len(g.class_of)], seed=_epoch_seed(self.seed, epoch, 1), dtype=tf.float64)
    by_class = tf.argsort(tf.constant(g.class_of, tf.float64) * 2.0 + keys, stable=True)
    slot_class = np.repeat(np.arange(len(g.classes)), self.per_class)
    slot_rank = np.tile(np.arange(self.per_class), len(g.classes))
    position = g.offsets[slot_class] + slot_rank % g.counts[slot_class]
    slots = tf.gather(by_class, tf.constant(position))
    order = tf.random.experimental.stateless_shuffle(tf.range(self.epoch_length), seed=_epoch_seed(self.seed, epoch, 2))
    return tf.cast(tf.gather(slots, order), tf.int64)


@SAMPLERS.register('oversample')
class Oversample(_PerClassSlots):
  per_class_fn = staticmethod(np.max)


@SAMPLERS.register('undersample')
class Undersample(_PerClassSlots):
  per_class_fn = staticmethod(np.min)


@SAMPLERS.register('target')
class Target(Sampler):
  """Class drawn from the normalised target weights, example uniform within the class (with replacement)."""

  def __init__(self, labels: np.ndarray, seed: int, target: Optional[Dict] = None):
    self.groups, self.seed, self.epoch_length = _Classes(labels), seed, len(labels)
    weights = {int(k): float(v) for k, v in (target or {}).items()}
    present = set(self.groups.classes.tolist())
    missing = sorted(k for k, w in weights.items() if w > 0 and k not in present)
    if missing:
      raise DataError(f'data.target_distribution: labels {missing} have no train examples '
                      f'(train labels: {sorted(present)[:20]}...)')
    probs = np.array([weights.get(int(c), 0.0) for c in self.groups.classes])
    self.log_probs = np.log(np.maximum(probs / probs.sum(), 1e-30)).astype(np.float32)
    self.log_probs[probs == 0] = -np.inf
    g = self.groups
    self.by_class = np.argsort(g.class_of, kind='stable').astype(np.int64)

  def epoch_indices(self, epoch):
    g = self.groups
    slot_class = tf.random.stateless_categorical(tf.constant(self.log_probs)[None], self.epoch_length,
                                                 seed=_epoch_seed(self.seed, epoch, 3), dtype=tf.int64)[0]
    u = tf.random.stateless_uniform([self.epoch_length], seed=_epoch_seed(self.seed, epoch, 4), dtype=tf.float64)
    counts = tf.gather(tf.constant(g.counts), slot_class)
    rank = tf.minimum(tf.cast(u * tf.cast(counts, tf.float64), tf.int64), counts - 1)
    return tf.gather(tf.constant(self.by_class), tf.gather(tf.constant(g.offsets), slot_class) + rank)


def make_sampler(mode: str, labels: np.ndarray, seed: int, target: Optional[Dict] = None) -> Sampler:
  """The sampler for data.rebalance over the train labels int [N]."""
  return SAMPLERS.get(mode)(np.asarray(labels), seed, target)
