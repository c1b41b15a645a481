"""Readers (sample, synthesize, evaluate) open checkpoints read-only: they never disturb a training run in the
same workdir (no cleanup of its in-flight save, no moves), read the newest complete step while it writes the
next, and a mistyped workdir is reported, never created."""

import os
import shutil
import subprocess
import time

import numpy as np

from gan_jax.core import checkpointing

from gan_jax.outputs import sampling
from run_helpers import TINY_RUN_CONFIG, launch_command, subprocess_env
from test_checkpoint_damage import damage


def test_reader_hammering_a_training_run_never_kills_it(tiny_config, data_dir, tmp_path):
  """Before the fix the readers' Orbax cleanup removed the trainer's <step>.orbax-checkpoint-tmp and the
  trainer died with a traceback (5 of 5 tries). Here a reader restores and samples in a loop for the whole
  run, which saves every step and keeps 2 (so steps are also deleted under the reader)."""
  workdir = tmp_path / 'run'
  flags = ('--config.train.steps=40', '--config.checkpoint.every_steps=1', '--config.checkpoint.keep=2',
           '--config.train.log_every=10', '--config.train.sample_every=0', '--config.eval.metrics=()')
  trainer = subprocess.Popen(launch_command(TINY_RUN_CONFIG, workdir, *flags, f'--config.data.data_dir={data_dir}'),
                             env=subprocess_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
  reads, steps = 0, set()
  try:
    while trainer.poll() is None:
      if not os.path.isdir(workdir / 'checkpoints') or not any(n.isdigit() for n in os.listdir(workdir / 'checkpoints')):
        time.sleep(0.02)   # the trainer is starting: leave it the CPU (once it saves, the reader never pauses)
        continue
      trainer_obj, state, step, _ = sampling.restore_checkpoint(tiny_config, str(workdir))
      samples = trainer_obj.sample_fn(state)(2, 0)
      assert samples.shape == (2, 16, 16, 1) and np.isfinite(samples).all()
      reads, steps = reads + 1, steps | {step}
  finally:
    _, stderr = trainer.communicate(timeout=300)
  assert trainer.returncode == 0, stderr[-3000:]
  assert 'Traceback' not in stderr, stderr[-3000:]
  assert reads >= 2 and len(steps) >= 2, (reads, steps)   # it really read while the run was writing
  assert sorted(n for n in os.listdir(workdir / 'checkpoints') if not n.startswith('.')) == ['39', '40']


def test_read_only_store_leaves_a_damaged_step_in_place(tiny_run, tiny_config, tmp_path, capsys):
  shutil.copytree(tiny_run, tmp_path, dirs_exist_ok=True)
  damage(tmp_path / 'checkpoints' / '9', 'garbage_arrays')
  tmp_dir = tmp_path / 'checkpoints' / '12.orbax-checkpoint-tmp-123'   # a trainer's save in flight
  tmp_dir.mkdir()
  before = sorted(os.listdir(tmp_path / 'checkpoints'))
  _, _, step, _ = sampling.restore_checkpoint(tiny_config, str(tmp_path))
  assert step == 6
  assert sorted(os.listdir(tmp_path / 'checkpoints')) == before   # nothing moved, nothing cleaned up
  warnings = [line for line in capsys.readouterr().err.splitlines() if line.startswith('warning: ')]
  assert len(warnings) == 1 and 'checkpoints/9 is damaged' in warnings[0] and 'left in place' in warnings[0]


def test_read_only_store_refuses_to_save(tiny_run):
  store = checkpointing.CheckpointStore(str(tiny_run / 'checkpoints'), 1, read_only=True)
  try:
    try:
      store.save(10, {}, {})
    except RuntimeError as e:
      assert 'read-only' in str(e)
    else:
      raise AssertionError('a read-only store saved')
  finally:
    store.close()


def test_mistyped_workdir_is_reported_and_not_created(run_launch, tiny_config, tmp_path):
  import pytest  # pylint: disable=g-import-not-at-top
  from gan_jax import modes  # pylint: disable=g-import-not-at-top
  from gan_jax.core import workdir  # pylint: disable=g-import-not-at-top
  from gan_jax.core.errors import ConfigError  # pylint: disable=g-import-not-at-top
  assert modes.READERS == {'sample', 'evaluate', 'synthesize', 'interpolate', 'translate'}   # launch.py: create=False for these
  with pytest.raises(ConfigError, match='does not exist'):
    workdir.check_workdir(str(tmp_path / 'typo'), create=False)
  result = run_launch(TINY_RUN_CONFIG, tmp_path / 'no_such_run', '--mode=sample', timeout=120)
  assert result.returncode == 2, result.stderr[-2000:]
  errors = [line for line in result.stderr.splitlines() if line.startswith('error: ')]
  assert len(errors) == 1 and 'does not exist' in errors[0], result.stderr[-2000:]
  assert not os.path.exists(tmp_path / 'no_such_run') and not os.path.exists(tmp_path / 'typo')
  (tmp_path / 'empty_run').mkdir()   # exists, never trained: no checkpoints/ appears
  with pytest.raises(ConfigError, match='has no latest checkpoint'):
    sampling.restore_checkpoint(tiny_config, str(tmp_path / 'empty_run'))
  assert os.listdir(tmp_path / 'empty_run') == []
