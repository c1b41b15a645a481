"""launch.py end to end: what a training run writes, --mode=sample, and one-line errors for bad configs."""

import json
import os
import shutil

import numpy as np
import pytest
from PIL import Image

from run_helpers import TINY_RUN_CONFIG, subprocess_env


def test_training_run_writes_checkpoints_logs_and_pictures(tiny_run):
  assert sorted(os.listdir(tiny_run / 'checkpoints')) == ['3', '6', '9']
  assert any(name.startswith('events.out.tfevents') for name in os.listdir(tiny_run))
  records = [json.loads(line) for line in open(tiny_run / 'metrics.jsonl')]
  assert [r['step'] for r in records] == list(range(1, 10))
  for key in ('d_loss', 'g_loss', 'd_real_prob', 'd_fake_prob', 'g_grad_norm', 'd_grad_norm', 'g_lr',
              'd_lr', 'images_per_sec'):
    assert np.isfinite(records[-1][key]), key
  grid = Image.open(tiny_run / 'samples' / 'step_0000007.png')
  assert grid.size == (2 * 18 + 2, 2 * 18 + 2)   # 4 samples of 16x16 in a 2x2 grid, 2-pixel padding
  assert Image.open(tiny_run / 'generated.png').size == grid.size
  config = json.load(open(tiny_run / 'config.json'))
  assert config['train']['steps'] == 9 and config['model']['g_width'] == 4


def test_sample_mode_is_deterministic(tiny_run, run_launch, tmp_path):
  results = []
  for name in ('first', 'second'):
    workdir = tmp_path / name
    shutil.copytree(tiny_run / 'checkpoints', workdir / 'checkpoints')
    result = run_launch(TINY_RUN_CONFIG, workdir, '--mode=sample', '--num_samples=10')
    assert result.returncode == 0, result.stderr[-2000:]
    results.append(np.load(workdir / 'samples.npz')['images'])
    assert (workdir / 'samples.png').exists()
  assert results[0].shape == (10, 16, 16, 1) and results[0].dtype == np.float32
  assert np.all(np.abs(results[0]) <= 1)
  np.testing.assert_array_equal(results[0], results[1])


BAD_CONFIGS = [
    (('--config.data.name=no_such_dataset',), "data.name='no_such_dataset' is neither"),
    (('--config.data.val_fraction=1.5',), 'data.val_fraction=1.5'),
    (('--config.data.name=image_folder', '--config.data.path=/no/such/folder', '--mode=prepare'),
     "data.path='/no/such/folder': folder not found"),
    (('--config.loss.name=wgan',), "loss.name='wgan' is not a known loss; allowed:"),
    (('--config.model.name=vit',), "model.name='vit' is not a known model; allowed: cyclegan, dcgan, mlp"),
    (('--config.train.steps=-5',), 'train.steps=-5 must be an integer >= 1'),
    (('--config.optim.schedule=step',), "optim.schedule='step' is not a known learning-rate schedule"),
    (('--config.ema.decay=1.0',), 'ema.decay=1.0 must be a number in [0, 1)'),
    (('--config.train.batch_size=8',), r'train.batch_size=8 must be a positive multiple of device_count (3)'),
]


@pytest.mark.parametrize('flags, message', BAD_CONFIGS, ids=[m.split('=')[0] for _, m in BAD_CONFIGS])
def test_bad_config_exits_2_with_one_line(flags, message, run_launch, tmp_path):
  env = subprocess_env(XLA_FLAGS='--xla_force_host_platform_device_count=3')
  result = run_launch(TINY_RUN_CONFIG, tmp_path, *flags, env=env, timeout=120)
  assert result.returncode == 2, result.stderr[-2000:]
  errors = [line for line in result.stderr.splitlines() if line.startswith('error: ')]
  assert len(errors) == 1 and message in errors[0], result.stderr[-2000:]
  assert 'Traceback' not in result.stderr


def test_resume_with_another_model_shape_exits_2(tiny_run, run_launch, tmp_path):
  shutil.copytree(tiny_run / 'checkpoints', tmp_path / 'checkpoints')
  result = run_launch(TINY_RUN_CONFIG, tmp_path, '--config.model.g_width=8', '--config.train.steps=9', timeout=120)
  assert result.returncode == 2, result.stderr[-2000:]
  assert 'model.g_width: 4 -> 8' in result.stderr and 'Traceback' not in result.stderr
  assert sorted(os.listdir(tmp_path)) == ['.lock', 'checkpoints']   # no report, config or log written
