"""data.synthetic_path: synthetic examples join the train split only, counted apart; bad folders exit 2."""

import json

import numpy as np
import pytest
from PIL import Image

from gan_jax.core.errors import DataError
from gan_jax.data import prepare_dataset
from gan_jax.data.synthetic_mix import SYNTHETIC_PREFIX, is_synthetic

PER_CLASS = 40


def _config(data_dir, **data):
  from configs.default import get_config  # pylint: disable=g-import-not-at-top
  config = get_config()
  config.data.update(data_dir=data_dir, image_size=16, imbalance_factor=10.0, **data)
  return config


def write_folder(root, classes, per_class=PER_CLASS, size=16, mode='L', seed=0):
  """root/<class>/<k>.png: random 16x16 grey images (distinct), plus a manifest.json at the root."""
  rng = np.random.default_rng(seed)
  for c in classes:
    (root / str(c)).mkdir(parents=True, exist_ok=True)
    for k in range(per_class):
      pixels = rng.integers(0, 256, (size, size) if mode == 'L' else (size, size, 3), dtype=np.uint8)
      Image.fromarray(pixels, mode).save(root / str(c) / f'{k:05d}.png')
  (root / 'manifest.json').write_text(json.dumps({'note': 'test folder'}))
  return str(root)


def test_balance_fill_tops_up_train_only(data_dir, tmp_path):
  folder = write_folder(tmp_path / 'synthetic', range(10))
  real = prepare_dataset(_config(data_dir))
  ds = prepare_dataset(_config(data_dir, synthetic_path=folder), str(tmp_path / 'run'))
  real_counts = np.bincount(real.split_arrays('train')['label'], minlength=10)
  expected = np.minimum(PER_CLASS, real_counts.max() - real_counts)
  train_sources, train_labels = ds.split_sources('train'), ds.split_arrays('train')['label']
  synthetic = is_synthetic(train_sources)
  np.testing.assert_array_equal(np.bincount(train_labels[synthetic], minlength=10), expected)
  np.testing.assert_array_equal(train_sources[~synthetic], real.split_sources('train'))   # real part unchanged
  # Split membership: synthetic ids are in train and nowhere else; val/test are the real ones, untouched.
  for split in ('val', 'test'):
    assert not is_synthetic(ds.split_sources(split)).any()
    np.testing.assert_array_equal(ds.split_sources(split), real.split_sources(split))
    np.testing.assert_array_equal(ds.split_arrays(split)['image'], real.split_arrays(split)['image'])
  # Labels follow the folder names; the files are the ones in the folder.
  for source, label in zip(train_sources[synthetic], train_labels[synthetic]):
    cls, name = source[len(SYNTHETIC_PREFIX):].split('/')
    assert int(cls) == label and (tmp_path / 'synthetic' / cls / name).exists()
  report = json.load(open(tmp_path / 'run' / 'data_report.json'))
  assert report['class_counts']['train'] == real.report['class_counts']['train']   # real counts stay real
  assert report['synthetic']['class_counts'] == {str(c): int(n) for c, n in enumerate(expected) if n}
  assert report['synthetic']['total'] == int(expected.sum()) and report['synthetic']['dropped'] == {}
  assert report['synthetic']['train_total_with_synthetic'] == len(train_labels)


def test_fraction_fill_adds_an_even_share(data_dir, tmp_path):
  folder = write_folder(tmp_path / 'synthetic', range(10))
  real_n = prepare_dataset(_config(data_dir)).report['kept']['train']
  ds = prepare_dataset(_config(data_dir, synthetic_path=folder, synthetic_fill='fraction', synthetic_fraction=0.1))
  counts = np.bincount(ds.split_arrays('train')['label'][is_synthetic(ds.split_sources('train'))], minlength=10)
  total = round(0.1 * real_n)
  assert counts.sum() == total and counts.max() - counts.min() <= 1


@pytest.mark.parametrize('make, message', [
    (lambda root: write_folder(root, ['cat', 'dog']), 'needs one subfolder per class'),
    (lambda root: write_folder(root, range(10), per_class=2, size=12), 'is 12x12 mode L; the dataset needs 16x16'),
    (lambda root: write_folder(root, range(10), per_class=2, mode='RGB'), 'mode RGB; the dataset needs 16x16 with 1'),
], ids=['foreign_classes', 'wrong_size', 'wrong_channels'])
def test_folder_not_matching_the_dataset_is_refused(make, message, data_dir, tmp_path):
  folder = make(tmp_path / 'synthetic')
  with pytest.raises(DataError, match='data.synthetic_path'):
    prepare_dataset(_config(data_dir, synthetic_path=folder))
  with pytest.raises(DataError) as error:
    prepare_dataset(_config(data_dir, synthetic_path=folder))
  assert message in str(error.value) and '\n' not in str(error.value)


def test_bad_synthetic_path_exits_2_with_one_line(run_launch, tmp_path):
  folder = write_folder(tmp_path / 'synthetic', ['cat'], per_class=2)
  for path, message in ((folder, 'needs one subfolder per class'), ('/no/such/dir', 'folder not found')):
    result = run_launch('dcgan_digits.py:tiny', tmp_path / 'run', '--mode=prepare',
                        f'--config.data.synthetic_path={path}', timeout=180)
    assert result.returncode == 2, result.stderr[-2000:]
    errors = [line for line in result.stderr.splitlines() if line.startswith('error: ')]
    assert len(errors) == 1 and 'data.synthetic_path' in errors[0] and message in errors[0], result.stderr[-2000:]
    assert 'Traceback' not in result.stderr


def test_all_fill_takes_the_whole_folder(data_dir, tmp_path):
  folder = write_folder(tmp_path / 'synthetic', [0, 3, 9], per_class=7)
  ds = prepare_dataset(_config(data_dir, synthetic_path=folder, synthetic_fill='all'))
  counts = np.bincount(ds.split_arrays('train')['label'][is_synthetic(ds.split_sources('train'))], minlength=10)
  assert counts.tolist() == [7, 0, 0, 7, 0, 0, 0, 0, 0, 7]


def test_unfinished_or_empty_folders_are_refused_naming_synthetic_path(data_dir, tmp_path):
  """A folder without manifest.json is what an interrupted synthesize leaves (its hidden .synthetic-* folder);
  empty class folders were reported as 'data.path=...: no files found'."""
  unfinished = write_folder(tmp_path / 'unfinished', range(10), per_class=2)
  (tmp_path / 'unfinished' / 'manifest.json').unlink()
  empty = tmp_path / 'empty'
  for c in range(3):
    (empty / str(c)).mkdir(parents=True)
  counted = write_folder(tmp_path / 'counted', range(10), per_class=2)
  (tmp_path / 'counted' / 'manifest.json').write_text(json.dumps({'counts_per_class': {str(c): 3 for c in range(10)}}))
  for folder, message in ((unfinished, 'manifest.json is missing; a finished --mode=synthesize output has one'),
                          (str(empty), 'its class subfolders (0, 1, 2) hold no files'),
                          (counted, 'class 0 holds 2 files, its manifest.json says 3')):
    with pytest.raises(DataError) as error:
      prepare_dataset(_config(data_dir, synthetic_path=folder))
    assert str(error.value).startswith(f'data.synthetic_path={folder!r}') and message in str(error.value)


def test_multiple_fill_goes_beyond_balance(data_dir, tmp_path):
  import ml_collections  # pylint: disable=g-import-not-at-top
  from gan_jax.data.synthetic_mix import FILLS  # pylint: disable=g-import-not-at-top
  real, available = np.array([100, 40, 10]), np.array([500, 500, 60])
  fill = lambda m: FILLS.get('multiple')(real, available, ml_collections.ConfigDict({'synthetic_multiple': m}))
  assert fill(1.0).tolist() == [0, 60, 60]         # 1 = balance (class 2 has only 60 to give)
  assert fill(3.0).tolist() == [200, 260, 60]      # every class up to 3 x 100 real + synthetic
  folder = write_folder(tmp_path / 'synthetic', range(10))
  real_counts = np.bincount(prepare_dataset(_config(data_dir)).split_arrays('train')['label'], minlength=10)
  ds = prepare_dataset(_config(data_dir, synthetic_path=folder, synthetic_fill='multiple', synthetic_multiple=1.2))
  counts = np.bincount(ds.split_arrays('train')['label'][is_synthetic(ds.split_sources('train'))], minlength=10)
  target = round(1.2 * real_counts.max())
  assert counts.tolist() == np.minimum(PER_CLASS, target - real_counts).tolist() and counts[0] > 0
  assert ds.report['synthetic']['multiple'] == 1.2
