"""The multi-seed trainer (scan over steps, vmap over seeds) against separate single-seed runs."""

import jax
import numpy as np
import pytest

from configs.repro import pacgan_2d
from gan_jax.core import parallel
from gan_jax.data import prepare_dataset
from gan_jax.data.bulk_batches import BulkBatches
from gan_jax.families.gan import trainer as gan_trainer
from gan_jax.families.gan.multi_seed import MultiSeedTrainer, seed_config, unstack_state

STEPS = 4


def _tiny_config(tmp_path, pack: int, data: str = 'ring'):
  config = pacgan_2d.get_config(f'{data},pack{pack},tiny,steps={STEPS}')
  config.model.d_maxout_pieces = 3           # keep maxout in the tiny D
  config.data.num_samples = 200              # 160 train points: the 4 steps cross an epoch boundary
  config.train.batch_size = 48 * pack
  config.data.data_dir = str(tmp_path / 'data')
  config.checkpoint.every_steps = 0
  return config


def _separate_run(config, seed: int, workdir: str, step_fn):
  """config.seed = seed trained the way train_and_evaluate does: jit(train_step), ds.train_iterator."""
  config = seed_config(config, seed)
  ds = prepare_dataset(config, workdir)
  setup = gan_trainer.GanTrainer(config, ds.example_shape)
  state = setup.fresh_state()
  rng = parallel.replicated_copy(state.rng, setup.mesh)
  batches = ds.train_iterator(config.train.batch_size * setup.batches_per_step())   # as the loop reads
  for _ in range(config.train.steps):
    state, _ = step_fn(state, {'image': next(batches)['image']}, rng)
  return jax.device_get(state)


@pytest.mark.parametrize('pack', [2])
def test_vmapped_seeds_match_separate_runs(tmp_path, pack):
  config = _tiny_config(tmp_path, pack)
  seeds = (3, 7)
  trainer = MultiSeedTrainer(config, seeds, [str(tmp_path / f's{s}') for s in seeds], steps_per_call=2)
  states = jax.device_get(trainer.train(log=lambda _: None))   # two calls of 2 steps
  trainer.close()
  step_fn = trainer.gan.make_train_step()           # the step does not depend on the seed
  for k, seed in enumerate(seeds):
    alone = _separate_run(config, seed, str(tmp_path / f'alone{seed}'), step_fn)
    together = unstack_state(states, k)
    assert int(together.step) == STEPS
    for a, b in zip(jax.tree.leaves(alone), jax.tree.leaves(together)):
      np.testing.assert_allclose(np.asarray(b), np.asarray(a), rtol=2e-5, atol=2e-6)
  # The seeds really differ (a broadcasting bug would make them equal).
  g0, g1 = (jax.tree.leaves(unstack_state(states, k).g_params)[0] for k in range(2))
  assert not np.allclose(g0, g1)


def test_bulk_batches_equal_the_tf_data_pipeline(tmp_path):
  config = seed_config(_tiny_config(tmp_path, 2, 'grid'), 5)
  ds = prepare_dataset(config)
  bulk = BulkBatches(config, ds, config.train.batch_size).batches(2, 5)   # steps 2..6, across epochs
  iterator = ds.train_iterator(config.train.batch_size, start_step=2)
  expected = np.stack([next(iterator)['image'] for _ in range(5)])
  np.testing.assert_array_equal(bulk, expected)
