"""image_folder end to end: planted faults are counted exactly and every clean image is kept."""

import json
import os

import numpy as np

from gan_jax.data import format_report_summary, prepare_dataset
from tests.data.conftest import EXPECTED_DROPS


def _folder_config(data_config, path):
  data_config.data.name = 'image_folder'
  data_config.data.path = path
  data_config.data.channels = 3
  data_config.data.val_fraction = 0.25
  return data_config


def test_planted_faults_are_counted_exactly(data_config, faulty_folder, tmp_path):
  path, clean_train, clean_test = faulty_folder
  config = _folder_config(data_config, path)
  workdir = str(tmp_path / 'work')
  ds = prepare_dataset(config, workdir)
  report = json.load(open(os.path.join(workdir, 'data_report.json')))

  assert report['counts_by_reason'] == EXPECTED_DROPS
  assert len(report['dropped']) == sum(EXPECTED_DROPS.values())
  assert report['counts_converted'] == {'L->RGB': 1}
  reasons = {os.path.basename(d['source']): d['reason'] for d in report['dropped']}
  assert reasons == {'corrupt.png': 'undecodable', 'text.jpg': 'undecodable', 'zero.png': 'zero_byte',
                     'truncated.png': 'truncated', 'zz_copy.png': 'exact_duplicate',
                     'zz_near.jpg': 'near_duplicate', 'tiny.png': 'too_small', 'zz_leak.png': 'cross_split_duplicate'}
  kept_train = set(ds.split_sources('train')) | set(ds.split_sources('val'))
  assert kept_train == set(clean_train)
  assert set(ds.split_sources('test')) == set(clean_test)
  assert report['kept'] == {'train': len(clean_train) - 6, 'val': 6, 'test': len(clean_test)}
  assert sum(report['class_counts']['test'].values()) == len(clean_test)
  assert ds.num_classes == 2 and report['label_names'] == ['cat', 'dog']
  assert ds.example_shape == (16, 16, 3)
  assert path in report['provenance']['source'] and report['provenance']['licence'] == 'unknown: supplied by the user'
  images = ds.split_arrays('train')['image']
  assert images.dtype == np.float32 and images.min() >= -1 and images.max() <= 1
  assert 'undecodable=2' in format_report_summary(report)


def test_drop_policy_and_cache(data_config, faulty_folder):
  path, _, _ = faulty_folder
  config = _folder_config(data_config, path)
  config.data.clean.channel_policy = 'drop'
  first = prepare_dataset(config)
  assert first.report['counts_by_reason']['wrong_channels'] == 1
  assert not first.report['cache_hit']
  second = prepare_dataset(config)
  assert second.report['cache_hit']
  assert second.report['counts_by_reason'] == first.report['counts_by_reason']
  np.testing.assert_array_equal(second.split_arrays('val')['image'], first.split_arrays('val')['image'])
