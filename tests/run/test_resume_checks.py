"""Resuming with a changed config: a changed data identity or train.steps below the latest checkpoint is
refused (exit 2, one line, every file untouched); other changes resume with a warning naming the keys,
and DIR/config_history/ keeps each config the workdir was trained with."""

import json
import os
import shutil

import numpy as np
import pytest
from PIL import Image

from gan_jax.core.errors import ConfigError
from gan_jax.run import resume
from run_helpers import TINY_RUN_CONFIG, TINY_RUN_FLAGS


def _snapshot(workdir):
  """{relative path: (size, mtime_ns)} of every file under workdir."""
  found = {}
  for root, _, files in os.walk(workdir):
    for name in files:
      path = os.path.join(root, name)
      stat = os.stat(path)
      found[os.path.relpath(path, workdir)] = (stat.st_size, stat.st_mtime_ns)
  return found


REFUSED = [
    (('--config.data.split_seed=1',), 'data.split_seed=1 differs from 0,'),
    (('--config.data.name=image_folder', '--config.data.path={photos}'), "data.name='image_folder' differs from 'digits',"),
    (('--config.data.val_fraction=0.2',), 'data.val_fraction=0.2 differs from 0.1,'),
    (('--config.data.clean.exact_duplicates=False',), 'data.clean.exact_duplicates=False differs from True,'),
    (('--config.train.steps=5',), 'train.steps=5 is below the latest checkpoint (step 9)'),
]


@pytest.mark.parametrize('flags, message', REFUSED, ids=[m.split('=')[0] for _, m in REFUSED])
def test_refused_resume_exits_2_and_touches_nothing(flags, message, tiny_run, run_launch, tmp_path):
  workdir, photos = tmp_path / 'run', tmp_path / 'photos'   # another dataset of the same shape
  photos.mkdir()
  for i in range(2):
    Image.fromarray(np.full((16, 16), 40 * i, np.uint8)).save(photos / f'{i}.png')
  shutil.copytree(tiny_run, workdir)
  before = _snapshot(workdir)
  flags = [flag.format(photos=photos) for flag in flags]
  result = run_launch(TINY_RUN_CONFIG, workdir, *TINY_RUN_FLAGS, *flags, timeout=120)
  assert result.returncode == 2, result.stderr[-3000:]
  lines = [line for line in result.stderr.splitlines() if line.strip()]
  assert len(lines) == 1 and lines[0].startswith('error: ') and message in lines[0], result.stderr[-3000:]
  assert _snapshot(workdir) == before


def test_other_changes_resume_with_a_warning_and_keep_the_config_history(tiny_run, run_launch, tmp_path):
  workdir = tmp_path / 'run'
  shutil.copytree(tiny_run, workdir)
  result = run_launch(TINY_RUN_CONFIG, workdir, *TINY_RUN_FLAGS, '--config.train.steps=10',
                      '--config.train.batch_size=16', '--config.seed=3')
  assert result.returncode == 0, result.stderr[-3000:]
  warnings = [line for line in result.stderr.splitlines() if line.startswith('warning: resuming')]
  assert len(warnings) == 1, result.stderr[-3000:]
  assert 'seed 0 -> 3' in warnings[0] and 'train.batch_size 8 -> 16' in warnings[0]
  assert 'train.steps' not in warnings[0]   # extending a run is what resuming is for
  history = sorted(os.listdir(workdir / 'config_history'))
  assert history == ['000-step0.json', '001-step9.json']
  first, second = (json.load(open(workdir / 'config_history' / name)) for name in history)
  assert (first['train']['batch_size'], second['train']['batch_size']) == (8, 16)
  assert json.load(open(workdir / 'config.json')) == second


def test_check_resume_without_checkpoint_or_saved_config_allows_anything(tiny_config, tmp_path):
  assert resume.check_resume(tiny_config, str(tmp_path), None) == []
  assert resume.check_resume(tiny_config, str(tmp_path), 4) == []   # no config.json: nothing to compare
  resume.record_config(tiny_config, str(tmp_path), 0)
  tiny_config.data.split_seed = 5
  assert resume.check_resume(tiny_config, str(tmp_path), None) == []   # nothing trained yet: a new run


@pytest.mark.parametrize('key, value', [('train_fraction', 0.5), ('imbalance_factor', 10.0),
                                        ('synthetic_path', '/some/folder'), ('synthetic_fill', 'all'),
                                        ('synthetic_fraction', 0.25)])
def test_keys_that_decide_train_membership_are_refused(key, value, tiny_config, tmp_path, capsys):
  resume.record_config(tiny_config, str(tmp_path), 0)
  tiny_config.data[key] = value
  with pytest.raises(ConfigError, match=rf'^data\.{key}=.* differs from .*the train split would hold other examples'):
    resume.check_resume(tiny_config, str(tmp_path), 4)
  assert capsys.readouterr().err == ''


def test_shape_refusal_prints_its_error_only(tiny_run, run_launch, tmp_path):
  """A resume refused for its model shape printed 'warning: resuming with a changed config' first."""
  workdir = tmp_path / 'run'
  shutil.copytree(tiny_run, workdir)
  before = _snapshot(workdir)
  result = run_launch(TINY_RUN_CONFIG, workdir, *TINY_RUN_FLAGS, '--config.model.g_width=8', timeout=120)
  assert result.returncode == 2, result.stderr[-3000:]
  lines = [line for line in result.stderr.splitlines() if line.strip()]
  assert len(lines) == 1 and 'different model/optimiser shape (model.g_width: 4 -> 8)' in lines[0], lines
  assert _snapshot(workdir) == before
