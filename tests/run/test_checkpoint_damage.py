"""A damaged latest checkpoint is named in one warning line, moved to checkpoints/damaged/, and the newest
readable one is used, in train, sample and evaluate modes; none readable: CheckpointError (exit 2)."""

import glob
import os
import shutil

import jax
import numpy as np
import pytest

from gan_jax.core import checkpointing
from gan_jax.core.errors import CheckpointError
from gan_jax.families.gan import trainer as gan_trainer
from gan_jax.run import evaluation
from run_helpers import TINY_RUN_CONFIG, TINY_RUN_FLAGS, read_checkpoint


def damage(step_dir, kind: str) -> None:
  """Damages one Orbax step directory the way kills, full disks and bad copies do."""
  arrays = glob.glob(os.path.join(step_dir, 'state', 'ocdbt.process_0', 'd', '*'))
  assert arrays
  if kind == 'truncated_arrays':
    for path in arrays:
      os.truncate(path, os.path.getsize(path) // 2)
  elif kind == 'garbage_arrays':
    rng = np.random.default_rng(0)
    for path in arrays:
      with open(path, 'wb') as f:
        f.write(rng.bytes(os.path.getsize(path)))
  elif kind == 'missing_metadata':
    os.remove(os.path.join(step_dir, 'meta', 'metadata'))
  elif kind == 'garbage_metadata':
    with open(os.path.join(step_dir, 'state', '_METADATA'), 'w') as f:
      f.write('{"tree_metadata": {"g_par')
  elif kind == 'missing_state':
    shutil.rmtree(os.path.join(step_dir, 'state'))
  elif kind == 'empty_step_dir':
    shutil.rmtree(step_dir)
    os.mkdir(step_dir)
  else:
    raise ValueError(kind)


KINDS = ('truncated_arrays', 'garbage_arrays', 'missing_metadata', 'garbage_metadata', 'missing_state',
         'empty_step_dir')


def _assert_identical(a, b):
  assert jax.tree.structure(a) == jax.tree.structure(b)
  for x, y in zip(jax.tree.leaves(a), jax.tree.leaves(b)):
    np.testing.assert_array_equal(x, y)


def _restore_newest(config, store):
  """(step, trainer, state) of the newest readable checkpoint, damaged newer ones set aside."""

  def restore(step):
    trainer = gan_trainer.GanTrainer(config, store.read_meta(step)['example_shape'])
    return trainer, trainer.restore_state(store, step)[0]

  step, restored = store.restore_newest(restore)
  return (step, *restored)


def _damaged_copy(tiny_run, workdir, kind='garbage_arrays', steps=(9,)):
  shutil.copytree(tiny_run, workdir, dirs_exist_ok=True)
  for step in steps:
    damage(workdir / 'checkpoints' / str(step), kind)


@pytest.mark.parametrize('kind', KINDS)
def test_damaged_latest_is_set_aside_and_previous_restored(kind, tiny_run, tiny_config, tmp_path, capsys):
  _damaged_copy(tiny_run, tmp_path, kind)
  store = checkpointing.CheckpointStore(str(tmp_path / 'checkpoints'), keep=10)
  step, setup, state = _restore_newest(tiny_config, store)
  assert step == 6
  reference = checkpointing.CheckpointStore(str(tiny_run / 'checkpoints'), keep=10)
  _assert_identical(state, setup.restore_state(reference, 6)[0])
  warnings = [line for line in capsys.readouterr().err.splitlines() if line.startswith('warning: ')]
  assert len(warnings) == 1 and f'{tmp_path}/checkpoints/9 is damaged (' in warnings[0], warnings
  moved = os.listdir(tmp_path / 'checkpoints' / 'damaged')
  assert len(moved) == 1 and moved[0].startswith('9-') and moved[0] in warnings[0]
  assert sorted(os.listdir(tmp_path / 'checkpoints')) == ['3', '6', 'damaged']   # moved, never deleted
  assert store.latest_step() == 6
  store.close()


def test_no_readable_checkpoint_is_an_error_and_moves_nothing(tiny_run, tiny_config, tmp_path):
  _damaged_copy(tiny_run, tmp_path, 'missing_state', steps=(3, 6, 9))
  store = checkpointing.CheckpointStore(str(tmp_path / 'checkpoints'), keep=10)
  with pytest.raises(CheckpointError, match=r'no readable checkpoint in .*step 9: .*step 6: .*step 3: ') as info:
    _restore_newest(tiny_config, store)
  assert '\n' not in str(info.value)
  assert sorted(os.listdir(tmp_path / 'checkpoints')) == ['3', '6', '9']


def test_train_resumes_from_previous_checkpoint_bitwise(tiny_run, run_launch, tmp_path):
  _damaged_copy(tiny_run, tmp_path, 'truncated_arrays')
  result = run_launch(TINY_RUN_CONFIG, tmp_path, *TINY_RUN_FLAGS)
  assert result.returncode == 0, result.stderr[-3000:]
  assert 'Traceback' not in result.stderr
  assert f'{tmp_path}/checkpoints/9 is damaged' in result.stderr
  assert f'resuming from {tmp_path}/checkpoints/6' in result.stdout
  _assert_identical(read_checkpoint(tmp_path, 9), read_checkpoint(tiny_run, 9))
  assert len(os.listdir(tmp_path / 'checkpoints' / 'damaged')) == 1


def test_sample_mode_uses_previous_checkpoint(tiny_run, run_launch, tmp_path):
  _damaged_copy(tiny_run, tmp_path, 'missing_metadata')
  result = run_launch(TINY_RUN_CONFIG, tmp_path, '--mode=sample', '--num_samples=4')
  assert result.returncode == 0, result.stderr[-3000:]
  assert 'Traceback' not in result.stderr and f'{tmp_path}/checkpoints/9 is damaged' in result.stderr
  assert 'from checkpoint step 6' in result.stdout
  assert np.load(tmp_path / 'samples.npz')['images'].shape == (4, 16, 16, 1)


def test_evaluate_mode_uses_previous_checkpoint(tiny_run, tiny_config, tmp_path, capsys):
  _damaged_copy(tiny_run, tmp_path, 'empty_step_dir')
  config = tiny_config
  config.eval.metrics = ('modes',)
  config.eval.extractor = 'classifier'
  config.eval.num_samples = 16
  config.classifier.feature_dim = 8
  config.classifier.width = 4
  config.classifier.steps = 5
  config.classifier.batch_size = 16
  results = evaluation.evaluate_checkpoint(config, str(tmp_path), 'latest')
  assert 'modes' in results
  assert os.path.exists(tmp_path / 'eval' / 'test_step6.json')
  assert f'{tmp_path}/checkpoints/9 is damaged' in capsys.readouterr().err
