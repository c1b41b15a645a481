"""Cleaning switches and the outlier score."""

import numpy as np

from gan_jax.data import prepare_dataset
from gan_jax.data.cleaning import CleaningLog, drop_cross_split_duplicates
from gan_jax.data.records import CleanData
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


def _records(splits, content, perceptual):
  n = len(splits)
  return CleanData(data=np.zeros((n, 2, 2, 1), np.uint8), labels=np.zeros(n, np.int64),
                   sources=np.asarray([f'f{i}.png' for i in range(n)]), splits=np.asarray(splits),
                   content_hash=np.asarray(content, np.uint64), perceptual_hash=np.asarray(perceptual, np.uint64),
                   features=np.zeros((n, 1), np.float32))


def test_cross_split_copies_are_dropped_whichever_earlier_split_holds_the_original():
  # f1 (test) copies f0 (val); f3 (val) copies f2 (train); f5 (test) is a near copy of f4 (val): 1 bit away.
  # f6 (train) copies f7 (test) in reverse order; train is never dropped, the test copy is.
  clean = _records(['val', 'test', 'train', 'val', 'val', 'test', 'train', 'test'],
                   [10, 10, 20, 20, 30, 31, 40, 40], [1 << 40, 1 << 40, 1 << 20, 1 << 20, 7, 5, 1 << 60, 1 << 60])
  log = CleaningLog()
  kept = drop_cross_split_duplicates(clean, 1, log)
  assert sorted(d['source'] for d in log.dropped) == ['f1.png', 'f3.png', 'f5.png', 'f7.png']
  assert {d['source']: d['detail'] for d in log.dropped}['f1.png'] == 'copy of val f0.png'
  assert list(kept.sources) == ['f0.png', 'f2.png', 'f4.png', 'f6.png']
  # Without near matching (threshold -1) only equal content counts.
  log = CleaningLog()
  drop_cross_split_duplicates(clean, -1, log)
  assert sorted(d['source'] for d in log.dropped) == ['f1.png', 'f3.png', 'f7.png']
