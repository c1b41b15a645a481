"""Cells that differ only in their data (ring_X, grid_X) train in one vmapped program, each run as alone."""

import jax
import numpy as np
import pytest

from configs.repro import pacgan_2d
from gan_jax.core import parallel
from gan_jax.core.errors import ConfigError
from gan_jax.data import prepare_dataset
from gan_jax.families.gan import trainer as gan_trainer
from gan_jax.families.gan.multi_seed import MultiSeedTrainer, program_differences, seed_config, unstack_state

STEPS = 3


def _config(tmp_path, data: str, pack: int = 1):
  config = pacgan_2d.get_config(f'{data},pack{pack},tiny,steps={STEPS}')
  config.data.num_samples = 200
  config.train.batch_size = 32 * pack
  config.data.data_dir = str(tmp_path / 'data')
  config.checkpoint.every_steps = 0
  config.eval.metrics = ('modes',)
  config.eval.num_samples = config.eval.batch_size = 200
  return config


def test_ring_and_grid_share_one_program_and_match_separate_runs(tmp_path):
  ring, grid = _config(tmp_path, 'ring'), _config(tmp_path, 'grid')
  assert program_differences(ring, grid) == []
  members = [(ring, 4), (grid, 4)]          # the same seed on two datasets: two different runs
  trainer = MultiSeedTrainer(ring, [s for _, s in members], [str(tmp_path / f'm{k}') for k in range(2)],
                             steps_per_call=2, cell_configs=[c for c, _ in members])
  states = jax.device_get(trainer.train(log=lambda _: None))
  results = trainer.evaluate(states)
  trainer.close()
  step_fn = trainer.gan.make_train_step()
  for k, (config, seed) in enumerate(members):
    config = seed_config(config, seed)
    ds = prepare_dataset(config)
    state = gan_trainer.GanTrainer(config, ds.example_shape).fresh_state()
    rng = parallel.replicated_copy(state.rng, trainer.gan.mesh)
    batches = ds.train_iterator(config.train.batch_size * trainer.gan.batches_per_step())   # as the loop reads
    for _ in range(STEPS):
      state, _ = step_fn(state, {'image': next(batches)['image']}, rng)
    for a, b in zip(jax.tree.leaves(jax.device_get(state)), jax.tree.leaves(unstack_state(states, k))):
      np.testing.assert_allclose(np.asarray(b), np.asarray(a), rtol=2e-5, atol=2e-6)
  # Each member is evaluated on its own dataset: 8 ring modes vs 25 grid modes.
  assert results[0]['modes'] <= 8 and set(results[0]) == set(results[1]) == {'modes', 'high_quality', 'reverse_kl'}
  report = prepare_dataset(seed_config(grid, 4)).report
  assert report['num_classes'] == 25 and prepare_dataset(seed_config(ring, 4)).report['num_classes'] == 8


def test_cells_that_need_different_programs_are_refused(tmp_path):
  ring1, ring2 = _config(tmp_path, 'ring', 1), _config(tmp_path, 'ring', 2)
  assert 'model' in program_differences(ring1, ring2)
  with pytest.raises(ConfigError, match='differ in .*model'):
    MultiSeedTrainer(ring1, [0, 1], [str(tmp_path / 'a'), str(tmp_path / 'b')], cell_configs=[ring1, ring2])
