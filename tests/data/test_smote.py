"""data.rebalance=smote: imbalanced-learn's SMOTE rows lie between same-class neighbours, in train only."""

import numpy as np
import pytest

from gan_jax.core.errors import ConfigError, DataError
from gan_jax.data import prepare_dataset
from gan_jax.data.smote import SMOTE_PREFIX, smote_rows


def _neighbours(points, k):
  """int [n, k]: each point's k nearest other points (Euclidean)."""
  distances = np.linalg.norm(points[:, None] - points[None], axis=-1)
  np.fill_diagonal(distances, np.inf)
  return np.argsort(distances, axis=1, kind='stable')[:, :k]


def test_smote_rows_lie_on_segments_between_same_class_neighbours():
  rng = np.random.default_rng(0)
  labels = np.repeat([0, 1, 2], [30, 8, 6])
  features = rng.normal(size=(len(labels), 5)) + 3 * labels[:, None]
  k = 3
  rows, row_labels = smote_rows(features, labels, k, seed=7)
  assert np.bincount(row_labels, minlength=3).tolist() == [0, 22, 24]   # every class topped up to 30
  for label in (1, 2):
    members = features[labels == label]
    neighbours = _neighbours(members, k)
    for x in rows[row_labels == label]:
      # x = a + u (b - a), u in [0, 1], b one of a's k nearest same-class neighbours: find such (a, b).
      a, b = members[:, None], members[neighbours]              # [n, 1, D], [n, k, D]
      u = np.clip(((x - a) * (b - a)).sum(-1) / ((b - a) ** 2).sum(-1), 0, 1)
      residual = np.linalg.norm(a + u[..., None] * (b - a) - x, axis=-1)
      assert residual.min() < 1e-9, residual.min()
  again, _ = smote_rows(features, labels, k, seed=7)
  other, _ = smote_rows(features, labels, k, seed=8)
  np.testing.assert_array_equal(again, rows)   # a function of the seed
  assert not np.array_equal(other, rows)


def test_too_small_class_is_one_line_naming_smote_k():
  labels = np.repeat([0, 1, 2], [10, 3, 1])
  features = np.arange(len(labels) * 2, dtype=np.float64).reshape(-1, 2)
  with pytest.raises(DataError) as error:
    smote_rows(features, labels[:13], 5, seed=0)
  assert str(error.value) == ('data.smote_k=5: data.rebalance=smote needs k + 1 = 6 train examples of every class '
                              'it oversamples; class 1 has 3 (lower data.smote_k to at most 2, or '
                              'data.imbalance_factor)')
  with pytest.raises(DataError, match='class 2 has 1 .a class of one example has no neighbour'):
    smote_rows(features, labels, 1, seed=0)
  rows, _ = smote_rows(features[:13], labels[:13], 2, seed=0)   # k = 2 fits a class of 3
  assert len(rows) == 7


def test_smote_tops_up_the_long_tailed_train_split_only(data_dir, tmp_path):
  from configs.default import get_config  # pylint: disable=g-import-not-at-top
  config = get_config()
  config.data.update(data_dir=str(data_dir), image_size=16, imbalance_factor=10.0)
  plain = prepare_dataset(config)
  config.data.rebalance = 'smote'
  ds = prepare_dataset(config)
  real = np.bincount(plain.split_arrays('train')['label'], minlength=10)
  sources, labels = ds.split_sources('train'), ds.split_arrays('train')['label']
  added = np.char.startswith(sources.astype(str), SMOTE_PREFIX)
  assert np.bincount(labels, minlength=10).tolist() == [real.max()] * 10
  np.testing.assert_array_equal(sources[~added], plain.split_sources('train'))   # the real rows, unchanged
  for split in ('val', 'test'):
    np.testing.assert_array_equal(ds.split_sources(split), plain.split_sources(split))
  report = ds.report['smote']
  assert report['k_neighbors'] == 5 and report['seed'] == config.seed and report['total'] == int(added.sum())
  assert report['added'] == {str(c): int(real.max() - n) for c, n in enumerate(real) if n < real.max()}
  assert ds.report['class_counts']['train'] == plain.report['class_counts']['train']   # real counts stay real
  assert ds.split_arrays('train')['image'].min() >= -1 and ds.split_arrays('train')['image'].max() <= 1


@pytest.mark.parametrize('key, value, message', [
    ('rebalance', 'smoot', "data.rebalance='smoot' is not a known rebalance mode"),
    ('smote_k', 0, 'data.smote_k=0 must be an integer >= 1'),
    ('synthetic_multiple', 0.5, 'data.synthetic_multiple=0.5 must be a finite number >= 1'),
    ('synthetic_fill', 'multiples', "data.synthetic_fill='multiples' is not a known synthetic fill"),
    ('synthetic_path', '.', 'data.rebalance=smote balances the real train split itself'),
], ids=['rebalance', 'smote_k', 'multiple', 'fill', 'smote_and_synthetic'])
def test_bad_new_data_keys_are_one_line_naming_the_key(key, value, message):
  from configs.default import get_config  # pylint: disable=g-import-not-at-top
  from gan_jax.config_checks import validate_config  # pylint: disable=g-import-not-at-top
  config = get_config()
  if key == 'synthetic_path':
    config.data.rebalance = 'smote'
  config.data[key] = value
  with pytest.raises(ConfigError) as error:
    validate_config(config, 'prepare', devices=False)
  assert message in str(error.value) and f'data.{key}' in str(error.value) and '\n' not in str(error.value)
