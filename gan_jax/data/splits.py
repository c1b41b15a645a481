"""Train/val/test membership: stratified by label, decided by keyed hashes of example ids.

An example's place depends only on (split_seed, its id, its class's size), never on Python's hash() or
the order the files were listed in, so every machine and process computes the same membership.
"""

import hashlib

import numpy as np

from gan_jax.data.records import SPLITS


def stable_keys(strings, seed: int) -> np.ndarray:
  """uint64 [n]: a seeded 64-bit hash of each string (blake2b: identical on every platform)."""
  salt = f'{seed}|'.encode()
  return np.array([np.frombuffer(hashlib.blake2b(salt + s.encode(), digest_size=8).digest(), np.uint64)[0]
                   for s in strings], np.uint64)


def _allocate(class_sizes: np.ndarray, quotas: np.ndarray, total: int, tiebreak: np.ndarray) -> np.ndarray:
  """Integer counts per class near `quotas` (float [K]) summing to `total`, each <= its class size.

  Largest remainder first; ties broken by `tiebreak` so that with one example per class the `total`
  examples come from seeded-random classes, not always the first ones.
  """
  counts = np.minimum(np.floor(quotas).astype(np.int64), class_sizes)
  missing = int(total - counts.sum())
  if missing > 0:
    can_take = counts < class_sizes
    order = np.lexsort((tiebreak, -(quotas - counts)))
    order = order[can_take[order]][:missing]
    counts[order] += 1
  return counts


def stratified_split(labels: np.ndarray, keys: np.ndarray, fractions: dict, seed: int) -> np.ndarray:
  """Assigns each example to one of `fractions` ({split: fraction}) or to 'train' (the rest).

  labels: int [n]; keys: uint64 [n] per-example hashes. Each split gets round(fraction * n) examples,
  spread over classes in proportion to their sizes. Returns str [n].
  """
  out = np.full(len(labels), 'train', dtype='<U5')
  if len(labels) == 0:
    return out
  classes, class_of = np.unique(labels, return_inverse=True)
  class_sizes = np.bincount(class_of, minlength=len(classes))
  tiebreak = stable_keys([f'class:{c}' for c in classes], seed)
  # Within a class, examples are taken in the order of their keyed hashes.
  order = np.lexsort((keys, class_of))
  rank = np.empty(len(labels), np.int64)
  starts = np.concatenate([[0], np.cumsum(class_sizes)[:-1]])
  rank[order] = np.arange(len(labels)) - np.repeat(starts, class_sizes)
  taken = np.zeros(len(classes), np.int64)
  for split, fraction in fractions.items():
    total = int(round(fraction * len(labels)))
    counts = _allocate(class_sizes - taken, fraction * class_sizes, total, tiebreak)
    chosen = (rank[np.arange(len(labels))] >= taken[class_of]) & (rank < (taken + counts)[class_of])
    out[chosen] = split
    taken += counts
  return out


def assign_splits(labels, sources, given, val_fraction: float, test_fraction: float, seed: int,
                  resplit: bool) -> np.ndarray:
  """Final split of each example (str [n], values in SPLITS).

  given: str [n] of given splits ('' where the source has none). Without given splits (or with
  resplit) all examples are split by the fractions. Otherwise given splits are kept, and a missing val
  (or test) split is carved out of train: that fraction of the train examples, stratified.
  """
  labels = np.asarray(labels)
  keys = stable_keys(sources, seed)
  given = np.asarray(given)
  if resplit or not (given != '').any():
    return stratified_split(labels, keys, {'val': val_fraction, 'test': test_fraction}, seed)
  out = given.astype('<U5').copy()
  carve = {s: f for s, f in (('val', val_fraction), ('test', test_fraction)) if not (given == s).any() and f > 0}
  if carve:
    train = np.flatnonzero(given == 'train')
    out[train] = stratified_split(labels[train], keys[train], carve, seed)
  assert set(np.unique(out)) <= set(SPLITS), np.unique(out)
  return out
