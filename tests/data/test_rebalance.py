"""Rebalancing: the sampled class distribution reaches its target; epochs are deterministic."""

import numpy as np
import pytest

from gan_jax.data.rebalance import make_sampler

_LABELS = np.repeat(np.arange(4), [700, 200, 80, 20])   # 35:1 imbalance


def _frequencies(labels, indices):
  return np.bincount(labels[indices], minlength=4) / len(indices)


def test_target_distribution_within_two_points_over_10000_samples():
  target = {'0': 0.1, '1': 0.2, '2': 0.3, '3': 0.4}
  sampler = make_sampler('target', _LABELS, seed=0, target=target)
  indices = np.concatenate([np.asarray(sampler.epoch_indices(e)) for e in range(10)])   # 10 x 1000
  assert len(indices) == 10_000
  np.testing.assert_allclose(_frequencies(_LABELS, indices), [0.1, 0.2, 0.3, 0.4], atol=0.02)


@pytest.mark.parametrize('mode,per_class', [('oversample', 700), ('undersample', 20)])
def test_balanced_epochs(mode, per_class):
  sampler = make_sampler(mode, _LABELS, seed=1)
  epoch0 = np.asarray(sampler.epoch_indices(0))
  assert len(epoch0) == 4 * per_class
  np.testing.assert_array_equal(np.bincount(_LABELS[epoch0]), [per_class] * 4)
  if mode == 'oversample':   # every majority example appears once, minority ones repeat evenly
    assert len(set(epoch0[_LABELS[epoch0] == 0])) == 700
    assert np.bincount(epoch0[_LABELS[epoch0] == 3]).max() == 35
  np.testing.assert_array_equal(epoch0, make_sampler(mode, _LABELS, seed=1).epoch_indices(0))
  assert (np.asarray(sampler.epoch_indices(1)) != epoch0).any()


def test_none_visits_every_example_once_per_epoch():
  sampler = make_sampler('none', _LABELS, seed=0)
  np.testing.assert_array_equal(np.sort(np.asarray(sampler.epoch_indices(3))), np.arange(len(_LABELS)))


def test_rebalanced_iterator_reaches_target(data_config):
  from gan_jax.data import prepare_dataset  # pylint: disable=g-import-not-at-top
  data_config.data.name, data_config.data.num_samples = 'ring2d', 2000
  data_config.data.rebalance = 'target'
  data_config.data.target_distribution = {'0': 0.5, '1': 0.5}
  ds = prepare_dataset(data_config)
  it = ds.train_iterator(100)
  labels = np.concatenate([next(it)['label'] for _ in range(100)])
  np.testing.assert_allclose(np.bincount(labels, minlength=8)[:2] / len(labels), [0.5, 0.5], atol=0.02)
  assert set(labels) == {0, 1}
