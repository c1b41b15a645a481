"""Which train examples each epoch visits, and in what order: the class (re)balancing samplers.

A sampler maps an epoch number to int64 indices [epoch_length] with numpy generators seeded by
(config.seed, epoch), so the stream of indices is a pure function of the seed: the pipeline can start
at any step without replaying earlier ones. numpy, not TensorFlow: the bulk batches of the multi-seed
trainer use the same samplers where TensorFlow is not installed (tf.data calls them per epoch).

  none         every example once per epoch, shuffled (epoch = N)
  oversample   every class max_count times per epoch (minority examples repeat; epoch = K * max_count)
  undersample  every class min_count times per epoch (a fresh random subset; epoch = K * min_count)
  target       each slot draws a class from data.target_distribution, then an example of it (epoch = N)
  smote        every example once per epoch, shuffled, as none: the data stage has added SMOTE rows to the
               train split (gan_jax.data.smote)
"""

from typing import Dict, Optional

import numpy as np

from gan_jax.core.errors import DataError
from gan_jax.core.registry import Registry

SAMPLERS = Registry('rebalance mode', 'data.rebalance')
_SAMPLER_STREAM = 0x53414D50


class _Classes:
  """The train labels grouped by class: members of class k are by_class[offsets[k]:offsets[k] + counts[k]]."""

  def __init__(self, labels: np.ndarray):
    self.classes, class_of = np.unique(labels, return_inverse=True)
    self.counts = np.bincount(class_of, minlength=len(self.classes)).astype(np.int64)
    self.offsets = np.concatenate([[0], np.cumsum(self.counts)[:-1]]).astype(np.int64)
    self.class_of = class_of.astype(np.int64)


def _epoch_rng(seed: int, epoch: int, salt: int) -> np.random.Generator:
  return np.random.default_rng([int(seed) % 2 ** 63, _SAMPLER_STREAM, salt, int(epoch)])


class Sampler:
  """epoch_indices(epoch: int) -> np.int64 [epoch_length] (tf.data calls it through tf.numpy_function)."""
  epoch_length: int

  def epoch_indices(self, epoch):
    raise NotImplementedError


@SAMPLERS.register('none')
class Shuffle(Sampler):

  def __init__(self, labels: np.ndarray, seed: int, target: Optional[Dict] = None):
    del target
    self.epoch_length, self.seed = len(labels), seed

  def epoch_indices(self, epoch):
    return _epoch_rng(self.seed, epoch, 0).permutation(self.epoch_length).astype(np.int64)


@SAMPLERS.register('smote')
class SmoteShuffle(Shuffle):
  """The train split already holds the SMOTE rows (gan_jax.data.smote): each row once per epoch."""


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
    keys = _epoch_rng(self.seed, epoch, 1).random(len(g.class_of))
    by_class = np.lexsort((keys, g.class_of))   # class first, then the random key
    slot_class = np.repeat(np.arange(len(g.classes)), self.per_class)
    slot_rank = np.tile(np.arange(self.per_class), len(g.classes))
    position = g.offsets[slot_class] + slot_rank % g.counts[slot_class]
    order = _epoch_rng(self.seed, epoch, 2).permutation(self.epoch_length)
    return by_class[position][order].astype(np.int64)


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
    self.probs = probs / probs.sum()
    g = self.groups
    self.by_class = np.argsort(g.class_of, kind='stable').astype(np.int64)

  def epoch_indices(self, epoch):
    g = self.groups
    slot_class = _epoch_rng(self.seed, epoch, 3).choice(len(g.classes), self.epoch_length, p=self.probs)
    u = _epoch_rng(self.seed, epoch, 4).random(self.epoch_length)
    counts = g.counts[slot_class]
    rank = np.minimum((u * counts).astype(np.int64), counts - 1)
    return self.by_class[g.offsets[slot_class] + rank]


def make_sampler(mode: str, labels: np.ndarray, seed: int, target: Optional[Dict] = None) -> Sampler:
  """The sampler for data.rebalance over the train labels int [N]."""
  return SAMPLERS.get(mode)(np.asarray(labels), seed, target)
