"""--mode=synthesize: conditional checkpoint -> image folder -> image_folder/prepare round trip; refusals exit 2."""

import json

import numpy as np
import pytest

from gan_jax.data import prepare_dataset
from gan_jax.data.synthetic_mix import is_synthetic
from run_helpers import make_tiny_config

CGAN = 'cgan_digits.py:tiny'
MANIFEST_KEYS = {'format', 'dataset', 'example_shape', 'checkpoint', 'checkpoint_step', 'config_sha256', 'seed',
                 'model', 'truncation', 'temperature', 'request', 'class_names', 'counts_per_class',
                 'real_train_counts', 'imbalance_factor', 'total', 'eval_scores', 'workdir'}


def _ok(result):
  assert result.returncode == 0, result.stderr[-3000:]
  return result


def _one_error_line(result, message):
  assert result.returncode == 2, result.stderr[-2000:]
  errors = [line for line in result.stderr.splitlines() if line.startswith('error: ')]
  assert len(errors) == 1 and message in errors[0], result.stderr[-2000:]
  assert 'Traceback' not in result.stderr


@pytest.fixture(scope='module')
def cgan_run(tmp_path_factory, data_dir):
  """A tiny projection cGAN trained through launch.py (4 steps)."""
  import subprocess  # pylint: disable=g-import-not-at-top
  from run_helpers import launch_command, subprocess_env  # pylint: disable=g-import-not-at-top
  workdir = tmp_path_factory.mktemp('cgan')
  _ok(subprocess.run(launch_command(CGAN, workdir, f'--config.data.data_dir={data_dir}'), env=subprocess_env(),
                     capture_output=True, text=True, timeout=600))
  return workdir


def _read_back(data_dir, folder):
  """The synthetic folder as its own image_folder dataset (all of it in train)."""
  config = make_tiny_config(data_dir)
  config.data.update(name='image_folder', path=str(folder), val_fraction=0.0, test_fraction=0.0, cache=False)
  config.data.clean.enabled = False   # a 4-step generator's samples may look alike: keep every file
  return prepare_dataset(config)


def test_num_per_class_round_trip(cgan_run, run_launch, data_dir):
  _ok(run_launch(CGAN, cgan_run, '--mode=synthesize', '--num_per_class=3'))
  folder = cgan_run / 'synthetic'
  manifest = json.loads((folder / 'manifest.json').read_text())
  assert MANIFEST_KEYS <= set(manifest)
  assert manifest['checkpoint_step'] == 4 and manifest['checkpoint'] == 'latest' and manifest['seed'] == 0
  assert manifest['model']['conditional'] == 'projection' and manifest['model']['num_classes'] == 10
  assert manifest['counts_per_class'] == {str(c): 3 for c in range(10)} and manifest['total'] == 30
  assert len(manifest['config_sha256']) == 64
  ds = _read_back(data_dir, folder)
  train = ds.split_arrays('train')
  assert np.bincount(train['label'], minlength=10).tolist() == [3] * 10   # counts per class as requested
  assert train['image'].shape == (30, 16, 16, 1) and np.isfinite(train['image']).all()   # images decode
  assert ds.report['label_names'] == [str(c) for c in range(10)]
  assert {d['reason'] for d in ds.report['dropped']} <= {'outside_class_folder'}   # only manifest.json


def test_balance_to_max_tops_up_the_long_tail_and_stays_in_train(cgan_run, run_launch, data_dir, tmp_path):
  out = tmp_path / 'balanced'
  _ok(run_launch(CGAN, cgan_run, '--mode=synthesize', '--balance_to=max', '--config.data.imbalance_factor=10',
                 f'--config.synthesize.out_dir={out}', '--config.synthesize.truncation=1.5'))
  manifest = json.loads((out / 'manifest.json').read_text())
  real = manifest['real_train_counts']
  n_max = max(real.values())
  assert manifest['counts_per_class'] == {c: n_max - n for c, n in real.items()} and manifest['truncation'] == 1.5
  ds = _read_back(data_dir, out)
  expected = [n_max - real[str(c)] for c in range(10)]
  assert np.bincount(ds.split_arrays('train')['label'], minlength=10).tolist() == expected
  # Mixed back into the long-tailed digits: every synthetic example in train, none in val/test.
  config = make_tiny_config(data_dir)
  config.data.update(imbalance_factor=10.0, synthetic_path=str(out))
  mixed = prepare_dataset(config)
  train_labels = mixed.split_arrays('train')['label']
  synthetic = is_synthetic(mixed.split_sources('train'))
  assert synthetic.sum() == sum(expected)
  assert np.bincount(train_labels, minlength=10).tolist() == [n_max] * 10   # balanced now
  for split in ('val', 'test'):
    assert not is_synthetic(mixed.split_sources(split)).any()


def test_refusals_exit_2(cgan_run, run_launch, tmp_path):
  _one_error_line(run_launch('dcgan_digits.py:tiny', tmp_path / 'uncond', '--mode=synthesize', '--balance_to=max'),
                  'needs a conditional generator')
  _one_error_line(run_launch(CGAN, tmp_path / 'empty', '--mode=synthesize', '--balance_to=max'),
                  'has no latest checkpoint')
  _one_error_line(run_launch(CGAN, cgan_run, '--mode=synthesize'), 'exactly one of --num_per_class')
  _one_error_line(run_launch(CGAN, cgan_run, '--mode=synthesize', '--num_per_class=2',
                             '--config.synthesize.temperature=0'), 'synthesize.temperature=0')
