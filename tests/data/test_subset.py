"""data.train_fraction: stratified, deterministic, nested subsets of the train split only."""

import numpy as np
import pytest

from gan_jax.config_checks import validate_config
from gan_jax.core.errors import ConfigError, DataError
from gan_jax.data import prepare_dataset
from gan_jax.data.subset import train_subset_indices


def _toy(n_per_class=(50, 30, 7)):
  labels = np.concatenate([np.full(n, c) for c, n in enumerate(n_per_class)])
  sources = np.array([f'ex{i}' for i in range(len(labels))])
  return labels, sources


def test_each_class_keeps_its_share_deterministically():
  labels, sources = _toy()
  kept = train_subset_indices(labels, sources, 0.2, seed=0)
  assert np.bincount(labels[kept]).tolist() == [10, 6, 1]   # round(0.2 * 7) = 1
  np.testing.assert_array_equal(kept, train_subset_indices(labels, sources, 0.2, seed=0))
  # Decided by the ids, not by their order.
  perm = np.random.default_rng(0).permutation(len(labels))
  again = train_subset_indices(labels[perm], sources[perm], 0.2, seed=0)
  assert set(sources[perm][again]) == set(sources[kept])
  assert set(sources[kept]) != set(sources[train_subset_indices(labels, sources, 0.2, seed=1)])
  assert train_subset_indices(labels, sources, 1.0, seed=0) is None


def test_smaller_fractions_are_nested_in_larger_ones():
  labels, sources = _toy()
  subsets = [set(train_subset_indices(labels, sources, f, seed=3)) for f in (0.1, 0.25, 0.5, 0.9)]
  assert all(a <= b for a, b in zip(subsets, subsets[1:]))


def test_a_class_left_without_examples_is_a_data_error():
  labels, sources = _toy()
  with pytest.raises(DataError, match=r'data.train_fraction=0.05: class 2 .* 7 train example'):
    train_subset_indices(labels, sources, 0.05, seed=0)


@pytest.mark.parametrize('value', [0.0, -0.1, 1.5])
def test_fraction_outside_0_1_is_a_config_error(data_config, value):
  data_config.data.train_fraction = value
  with pytest.raises(ConfigError, match='data.train_fraction'):
    validate_config(data_config, 'prepare', devices=False)


def test_digits_subset_trains_on_a_tenth_and_keeps_val_test(data_config):
  data_config.data.image_size = 8
  full = prepare_dataset(data_config)
  data_config.data.train_fraction = 0.1
  part = prepare_dataset(data_config)
  n_train = len(full.split_arrays('train')['label'])
  kept = part.train_subset
  assert abs(len(kept) - 0.1 * n_train) <= 10   # per-class rounding
  assert np.bincount(full.split_arrays('train')['label'][kept], minlength=10).min() >= 10
  for split in ('val', 'test', 'train'):   # split_arrays serves the full splits
    np.testing.assert_array_equal(part.split_arrays(split)['image'], full.split_arrays(split)['image'])
  assert part.report['train_subset']['train_examples'] == len(kept)
  batch = next(part.train_iterator(64))
  subset_images = part.split_arrays('train')['image'][kept].reshape(len(kept), -1)
  rows = {r.tobytes() for r in subset_images}
  assert all(b.reshape(-1).tobytes() in rows for b in batch['image'])   # batches come from the subset only
