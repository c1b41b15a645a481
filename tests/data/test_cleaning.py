"""Cleaning switches and the outlier score."""

import numpy as np

from gan_jax.data import prepare_dataset
from gan_jax.data.cleaning import CleaningLog, drop_cross_split_duplicates
from gan_jax.data.outliers import mad_score
from gan_jax.data.records import CleanData
from tests.data.conftest import smooth_pattern


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


def _records(splits, content, images):
  n = len(splits)
  return CleanData(data=np.stack(images), labels=np.arange(n, dtype=np.int64) % 3,
                   sources=np.asarray([f'f{i}.png' for i in range(n)]), splits=np.asarray(splits),
                   content_hash=np.asarray(content, np.uint64), perceptual_hash=np.zeros(n, np.uint64),
                   features=np.zeros((n, 1), np.float32))


def test_cross_split_copies_are_dropped_whichever_earlier_split_holds_the_original():
  # f1 (test) copies f0 (val); f3 (val) copies f2 (train); f5 (test) is a near copy of f4 (val): +-2 noise.
  # f6 (train) copies f7 (test) in reverse order; train is never dropped, the test copy is.
  rng = np.random.default_rng(0)
  patterns = [np.asarray(smooth_pattern(rng, mode='L'))[..., None] for _ in range(4)]
  noisy = np.clip(patterns[2].astype(int) + rng.integers(-2, 3, patterns[2].shape), 0, 255).astype(np.uint8)
  images = [patterns[0], patterns[0], patterns[1], patterns[1], patterns[2], noisy, patterns[3], patterns[3]]
  clean = _records(['val', 'test', 'train', 'val', 'val', 'test', 'train', 'test'],
                   [10, 10, 20, 20, 30, 31, 40, 40], images)
  log = CleaningLog()
  kept = drop_cross_split_duplicates(clean, 4, log, max_distance=0.06)
  assert sorted(d['source'] for d in log.dropped) == ['f1.png', 'f3.png', 'f5.png', 'f7.png']
  by_source = {d['source']: d for d in log.dropped}
  assert by_source['f1.png']['detail'] == 'copy of val f0.png'
  assert by_source['f5.png']['detail'].startswith('near copy of val f4.png (copy distance 0.0')
  assert 0 <= by_source['f5.png']['distance'] <= 0.06 and by_source['f5.png']['label'] == 5 % 3
  assert list(kept.sources) == ['f0.png', 'f2.png', 'f4.png', 'f6.png']
  # Without near matching (threshold -1) only equal content counts.
  log = CleaningLog()
  drop_cross_split_duplicates(clean, -1, log)
  assert sorted(d['source'] for d in log.dropped) == ['f1.png', 'f3.png', 'f7.png']
