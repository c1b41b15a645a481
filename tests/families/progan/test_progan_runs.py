"""ProGAN through the shared loop (in-process, digits at 8x8): it grows, resumes bitwise inside a fade and across a
growth, samples at the current resolution upsampled to the final one, refuses a checkpoint its schedule puts
in another phase, and skips evaluation before the final resolution with a line saying so; 1 and 4 devices
compute the same fade steps."""

import json
import math
import os
import shutil

import jax
import numpy as np
import pytest
from PIL import Image

from gan_jax.core import checkpointing
from gan_jax.core.errors import ConfigError
from gan_jax.families import build_trainer
from gan_jax.run import evaluation
from gan_jax.run.loop import train_and_evaluate
from progan_fade_steps import fade_steps, tiny_config
from run_helpers import read_checkpoint, run_with_devices, skip_unless_one_cpu_device

STEPS = 6   # 2 steps of 8 images per phase: stable_4 (steps 1-2), fade_8 (3-4, alpha 0 and 0.5), stable_8 (5-6)


def _config(data_dir='', steps=STEPS, images_per_phase=16):
  config = tiny_config(data_dir, images_per_phase)
  config.train.steps = steps
  config.train.log_every = 1
  config.train.sample_every = 2
  config.checkpoint.every_steps = 3   # and at every run's last step
  config.checkpoint.keep = 10
  return config


@pytest.fixture(scope='module')
def whole(data_dir, tmp_path_factory):
  """(workdir, final state) of the uninterrupted run."""
  workdir = tmp_path_factory.mktemp('progan_whole')
  return workdir, train_and_evaluate(_config(data_dir), str(workdir))


def _host(tree):
  return jax.tree.map(np.asarray, jax.device_get(tree))


def _assert_equal_trees(a, b, what):
  assert jax.tree.structure(a) == jax.tree.structure(b), what
  for (path, x), y in zip(jax.tree_util.tree_leaves_with_path(a), jax.tree.leaves(b)):
    np.testing.assert_array_equal(x, y, err_msg=f'{what}: {jax.tree_util.keystr(path)}')


def _meta(workdir, step):
  store = checkpointing.CheckpointStore(checkpointing.checkpoint_dir(str(workdir)), 10, read_only=True)
  try:
    return store.read_meta(step)
  finally:
    store.close()


def test_resume_inside_a_fade_and_across_a_growth_is_bitwise(whole, data_dir, tmp_path):
  workdir, final = whole
  # Stopped at 1 (before the growth at 2), rerun to 3 (across it, stopping inside the fade), rerun to the end
  # (from inside the fade, across its end): every leaf of the state (networks, EMA, Adam, step, key) as the
  # uninterrupted run's.
  train_and_evaluate(_config(data_dir, 1), str(tmp_path))
  train_and_evaluate(_config(data_dir, 3), str(tmp_path))
  _assert_equal_trees(read_checkpoint(tmp_path, 3), read_checkpoint(workdir, 3), 'mid-fade checkpoint')
  resumed = train_and_evaluate(_config(data_dir), str(tmp_path))
  _assert_equal_trees(_host(resumed), _host(final), 'final state')
  meta = _meta(tmp_path, 3)
  assert (meta['phase'], meta['resolution'], meta['fading'], meta['alpha']) == ('fade_8', 8, True, 0.5)
  assert sorted(final.g_params) == ['block_4', 'block_8', 'to_rgb_8']


def test_samples_and_logs_show_the_growth(whole):
  workdir, _ = whole
  lines = [line for line in open(workdir / 'metrics.jsonl') if '"resolution"' in line]
  logged = [json.loads(line) for line in lines]
  assert [(m['step'], m['resolution'], m['alpha']) for m in logged] == [
      (1, 4, 1), (2, 4, 1), (3, 8, 0), (4, 8, 0.5), (5, 8, 1), (6, 8, 1)]
  # Grids of 4 images at 8x8 (padding 2): after 2 steps G fades 8x8 in at alpha 0 (still 4x4 upsampled: each
  # pixel a 2x2 block), after 4 it draws 8x8.
  for step in (2, 4, 6):
    grid = np.asarray(Image.open(workdir / 'samples' / f'step_{step:07d}.png'), np.int32)
    assert grid.shape == (22, 22)
    cell = grid[2:10, 2:10]
    blocky = np.array_equal(cell, np.repeat(np.repeat(cell[::2, ::2], 2, 0), 2, 1))
    assert blocky == (step <= 2), step


def test_a_checkpoint_of_another_schedule_is_refused_in_one_line(whole, data_dir, tmp_path):
  workdir, _ = whole
  shutil.copytree(workdir / 'checkpoints', tmp_path / 'checkpoints')
  with pytest.raises(ConfigError) as error:   # 32 images per phase: step 6 would be inside fade_8
    train_and_evaluate(_config(data_dir, images_per_phase=32), str(tmp_path))
  assert 'was written in phase stable_8; this config\'s schedule puts step 6 in phase fade_8' in str(error.value)
  assert '\n' not in str(error.value)


def test_evaluation_waits_for_the_final_resolution(whole, capsys):
  workdir, _ = whole
  config = _config()
  trainer = build_trainer(config, (8, 8, 1))
  store = checkpointing.CheckpointStore(checkpointing.checkpoint_dir(str(workdir)), 10, read_only=True)
  state, _ = trainer.restore_state(store, 3)
  store.close()
  assert evaluation.evaluate_state(trainer, None, state, None, 'val', 3, str(workdir)) == {}
  assert ('eval val step 3: skipped: the generator is fading in 8x8, alpha 0.500 (phase fade_8); progan '
          'evaluates at the final resolution 8x8 only, from step 4') in capsys.readouterr().out
  assert evaluation.best_value({}, 'fid') == math.inf   # a skipped evaluation never becomes the best
  assert trainer.evaluation_skipped(4) == ''
  samples = trainer.sample_fn(state)(5, 0)   # the EMA generator mid-fade, at the final size, in range
  assert samples.shape == (5, 8, 8, 1) and np.abs(samples).max() <= 1.0


_DEVICES_SCRIPT = r'''
import numpy as np
from progan_fade_steps import fade_steps
np.savez(sys.argv[1], **fade_steps())
'''


def test_four_devices_match_one(tmp_path):
  skip_unless_one_cpu_device()
  out = tmp_path / 'four.npz'
  run_with_devices(_DEVICES_SCRIPT, out, import_dirs=[os.path.dirname(os.path.abspath(__file__))])
  one, four = fade_steps(), dict(np.load(out))
  assert sorted(one) == sorted(four) and '1/alpha' in one and float(one['1/alpha']) == 0.5
  for name, value in one.items():
    np.testing.assert_allclose(four[name], value, rtol=1e-5, atol=1e-5, err_msg=name)
