"""train_iterator: resumable at any step, process shares equal the single-process batch rows."""

import numpy as np
import pytest

from gan_jax.core.errors import ConfigError
from gan_jax.data import prepare_dataset


@pytest.fixture
def digits_config(data_config):
  data_config.data.image_size = 8
  data_config.data.augment.hflip = 0.5
  data_config.data.augment.rotate = 0.5
  data_config.data.augment.crop = 0.5
  return data_config


def _take(iterator, n):
  return [next(iterator) for _ in range(n)]


def test_resume_yields_the_same_batches(digits_config):
  ds = prepare_dataset(digits_config)
  global_batch = 500                    # > 1/3 of the train split: several epochs in 12 steps
  uninterrupted = _take(ds.train_iterator(global_batch), 12)
  for k in (5, 11):
    resumed = _take(ds.train_iterator(global_batch, start_step=k), 12 - k)
    for a, b in zip(uninterrupted[k:], resumed):
      np.testing.assert_array_equal(a['image'], b['image'])
      np.testing.assert_array_equal(a['label'], b['label'])
  assert not np.array_equal(uninterrupted[0]['image'], uninterrupted[1]['image'])


def test_process_shares_are_rows_of_the_global_batch(digits_config):
  single = _take(prepare_dataset(digits_config).train_iterator(12), 3)
  for i in range(3):
    share = _take(prepare_dataset(digits_config, process_index=i, process_count=3).train_iterator(12), 3)
    for whole, part in zip(single, share):
      assert part['image'].shape == (4, 8, 8, 1)
      np.testing.assert_array_equal(part['image'], whole['image'][4 * i:4 * i + 4])
      np.testing.assert_array_equal(part['label'], whole['label'][4 * i:4 * i + 4])


def test_batch_must_divide_by_processes(digits_config):
  ds = prepare_dataset(digits_config, process_index=0, process_count=3)
  with pytest.raises(ConfigError, match='train.batch_size=10'):
    ds.train_iterator(10)


def test_standardize_uses_train_statistics(digits_config):
  digits_config.data.standardize = True
  ds = prepare_dataset(digits_config)
  train = ds.split_arrays('train')['image']
  np.testing.assert_allclose(train.mean(), 0, atol=1e-4)
  np.testing.assert_allclose(train.std(), 1, atol=1e-3)
  assert ds.report['standardize']['mean'][0] < 0      # digits are mostly background (-1)
