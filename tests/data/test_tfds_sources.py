"""tfds sources: mocked catalogue datasets through the whole pipeline, the digits builder, fast failures."""

import time

import numpy as np
import pytest
import tensorflow_datasets as tfds

from gan_jax.core.errors import DataError
from gan_jax.data import prepare_dataset
from gan_jax.data.sources.digits import GanJaxDigits


@pytest.mark.parametrize('name,channels,shape', [('mnist', 1, (28, 28, 1)), ('cifar10', 3, (32, 32, 3))])
def test_mocked_catalogue_dataset_end_to_end(data_config, tmp_path, name, channels, shape):
  config = data_config
  config.data.name, config.data.channels, config.data.download = name, channels, True
  config.data.clean.near_duplicate_threshold = -1   # mock examples are random noise
  config.data.augment.hflip = 0.5
  with tfds.testing.mock_data(num_examples=40):
    ds = prepare_dataset(config, str(tmp_path / 'work'))
  report = ds.report
  # mock_data yields the same 40 examples for train and test. Val (10%) is carved out of train, so every
  # test example has a copy in train (36) or in val (4): the whole test split leaks and is dropped.
  assert report['counts_by_reason'] == {'cross_split_duplicate': 40}
  assert report['kept'] == {'train': 36, 'val': 4, 'test': 0}
  details = {d['detail'].split()[-2] for d in report['dropped']}
  assert details == {'train', 'val'}
  assert len(ds.split_arrays('test')['image']) == 0
  assert ds.num_classes == 10 and ds.example_shape == (16, 16, channels)
  # Provenance from the builder's info: its citation and homepage.
  assert {'mnist': 'LeCun', 'cifar10': 'Krizhevsky'}[name] in report['provenance']['citation']
  assert report['provenance']['homepage'].startswith('http')
  batch = next(ds.train_iterator(8))
  assert batch['image'].shape == (8, 16, 16, channels) and batch['image'].dtype == np.float32
  assert batch['label'].dtype == np.int32 and -1 <= batch['image'].min() <= batch['image'].max() <= 1
  del shape


def test_unprepared_dataset_fails_within_seconds(data_config):
  data_config.data.name = 'mnist'
  start = time.time()
  with pytest.raises(DataError, match=r"'mnist' is not prepared in .*tfds build mnist.*download=True"):
    prepare_dataset(data_config)
  assert time.time() - start < 20


def test_digits_builder_prepares_offline(tmp_path):
  builder = GanJaxDigits(data_dir=str(tmp_path))
  builder.download_and_prepare()
  assert builder.info.splits['train'].num_examples == 1797
  example = next(iter(tfds.as_numpy(builder.as_dataset(split='train').take(1))))
  assert example['image'].shape == (8, 8, 1) and example['image'].dtype == np.uint8


def test_digits_dataset(data_config):
  data_config.data.clean.near_duplicate_threshold = 2
  ds = prepare_dataset(data_config)
  kept = ds.report['kept']
  assert sum(kept.values()) + len(ds.report['dropped']) == 1797
  assert kept['val'] == kept['test'] == round(0.1 * (1797 - len(ds.report['dropped'])))
  assert ds.example_shape == (16, 16, 1) and ds.num_classes == 10
  val = ds.split_arrays('val')
  assert val['image'].shape == (kept['val'], 16, 16, 1) and set(val['label']) == set(range(10))


def test_stacked_digits(data_config):
  data_config.data.name, data_config.data.channels, data_config.data.num_samples = 'stacked_digits', 3, 3000
  ds = prepare_dataset(data_config)
  assert ds.num_classes == 1000 and ds.example_shape == (16, 16, 3)
  assert 'near_duplicate' not in ds.report['counts_by_reason']
  train = ds.split_arrays('train')
  # The label names the digit of each channel: the hundreds digit's class mean differs from others'.
  hundreds = train['label'] // 100
  assert set(hundreds) == set(range(10)) and train['label'].max() < 1000
  ones, sevens = train['image'][hundreds == 1, ..., 0].mean(0), train['image'][hundreds == 7, ..., 0].mean(0)
  assert np.abs(ones - sevens).mean() > 0.1
  green_ones = train['image'][hundreds == 1, ..., 1].mean(0)
  assert np.abs(ones - green_ones).mean() > np.abs(green_ones - train['image'][hundreds == 7, ..., 1].mean(0)).mean()
