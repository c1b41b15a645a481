"""Cleaning switches and the outlier score."""

import numpy as np

from gan_jax.data import prepare_dataset
from gan_jax.data.outliers import mad_score


def test_disabled_cleaning_keeps_all_readable_files(data_config, faulty_folder):
  path, clean_train, clean_test = faulty_folder
  data_config.data.update({'name': 'image_folder', 'path': path, 'channels': 3})
  data_config.data.clean.enabled = False
  ds = prepare_dataset(data_config)
  # Unreadable files can never be used; everything readable (copies, tiny, leak) is kept.
  assert ds.report['counts_by_reason'] == {'undecodable': 2, 'zero_byte': 1, 'truncated': 1}
  assert sum(ds.report['kept'].values()) == len(clean_train) + len(clean_test) + 4


def test_mad_score_flags_only_the_planted_outliers():
  rng = np.random.default_rng(0)
  features = rng.normal(size=(500, 64))
  features[[3, 77]] += 12.0
  scores = mad_score(features)
  assert set(np.flatnonzero(scores > 6.0)) == {3, 77}


def test_outlier_drop_is_reported(data_config):
  data_config.data.clean.outlier_score = 'mad'
  data_config.data.clean.outlier_threshold = 4.0
  ds = prepare_dataset(data_config)
  outliers = [d for d in ds.report['dropped'] if d['reason'] == 'outlier']
  assert 0 < len(outliers) < 0.05 * 1797
  assert all('mad score' in d['detail'] for d in outliers)
