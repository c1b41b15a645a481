"""The PacGAN reproduction: configs match the paper, packed models train with every loss from config,
a short ring run is evaluated end to end, and benchmarks/reproduce.py aggregates correctly.
(Packing shapes, pack=1 == plain D and maxout are in tests/models/; the multi-seed trainer against
separate runs is in tests/repro/.)"""

import importlib.util
import json
import os

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from configs.repro import pacgan_2d, pacgan_stacked
from gan_jax import config_checks
from gan_jax.core import parallel
from gan_jax.core.errors import ConfigError
from gan_jax.families.gan import trainer as gan_trainer
from gan_jax.families.gan.losses import LOSSES
from gan_jax.families.gan.multi_seed import MultiSeedTrainer
from gan_jax.models import build_models

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.mark.parametrize('dataset,data_name', [('ring', 'ring2d'), ('grid', 'grid2d')])
@pytest.mark.parametrize('variant,pack', [('gan', 1), ('pack2', 2), ('pack3', 3), ('pack4', 4)])
def test_2d_config_is_the_papers_setup(dataset, data_name, variant, pack):
  config = pacgan_2d.get_config(f'{dataset},{variant}')
  config_checks.validate_config(config, 'train', devices=False)
  m = config.model
  assert config.data.name == data_name and m.pack == pack
  assert config.train.batch_size == 100 * pack          # 100 packed samples for D per step
  assert (m.latent_dim, m.g_depth, m.g_hidden, m.g_batch_norm) == (2, 4, 400, True)
  assert (m.d_depth, m.d_hidden, m.d_maxout_pieces, m.d_batch_norm) == (3, 200, 5, False)
  assert (config.optim.g_lr, config.optim.d_lr, config.optim.b1, config.optim.b2) == (1e-4, 1e-4, 0.8, 0.999)
  assert config.train.steps == 400_000 and config.ema.decay == 0 and m.init_std == 0.02
  assert config.loss.name == 'non_saturating' and config.eval.num_samples == 2500
  train_fraction = 1 - config.data.val_fraction - config.data.test_fraction
  assert round(config.data.num_samples * train_fraction) == 100_000


def test_config_args_are_checked():
  assert pacgan_2d.get_config('grid,pack3,steps=123').train.steps == 123
  assert pacgan_stacked.get_config('pack2').train.batch_size == 128
  for bad in ('ring,pack5', 'ring,grid', 'ring,steps=0', 'ring,epochs=3'):
    with pytest.raises(ConfigError, match='config arg'):
      pacgan_2d.get_config(bad)


def test_stacked_config_validates():
  for variant, pack in (('dcgan', 1), ('pack2', 2)):
    config = pacgan_stacked.get_config(variant)
    config_checks.validate_config(config, 'train', devices=False)
    assert config.model.pack == pack and config.train.batch_size == 64 * pack
    assert config.eval.num_samples == 26_000 and config.data.image_size == 16
    assert config.data.name == 'stacked_digits'
  config = pacgan_stacked.get_config('pack2,mnist5k,steps=40')   # the stacked_mnist5k suite's cells
  config_checks.validate_config(config, 'train', devices=False)
  assert (config.data.name, config.model.pack, config.train.steps) == ('stacked_mnist5k', 2, 40)


def _one_step(config, example_shape):
  setup = gan_trainer.GanTrainer(config, example_shape)
  state = setup.fresh_state()
  real = jax.random.normal(jax.random.key(0), (config.train.batch_size, *example_shape))
  state, metrics = setup.make_train_step()(state, {'image': real}, parallel.replicated_copy(state.rng, setup.mesh))
  return state, jax.device_get(metrics)


@pytest.mark.parametrize('loss', sorted(LOSSES.names()))
def test_packed_maxout_mlp_trains_with_every_loss(loss):
  config = pacgan_2d.get_config('ring,pack3,tiny')
  config.model.d_maxout_pieces = 3
  config.model.g_depth = config.model.d_depth = 1    # smaller programs: faster compiles
  config.loss.name = loss
  if loss == 'wasserstein':
    config.loss.gp_weight = 10.0        # exercises the penalty on packed logits too
  state, metrics = _one_step(config, (2,))
  assert int(state.step) == 1
  assert all(np.isfinite(v) for v in metrics.values()), metrics


def test_packed_dcgan_trains_from_config():
  config = pacgan_stacked.get_config('pack2,tiny')
  shape = (8, 8, 3)     # the smallest DCGAN: one stride-2 layer each way
  _, discriminator = build_models(config.model, shape)
  images = jnp.zeros((4, *shape))
  assert discriminator.apply(discriminator.init(jax.random.key(0), images), images).shape == (2,)
  state, metrics = _one_step(config, shape)
  assert int(state.step) == 1 and all(np.isfinite(v) for v in metrics.values())


def _load_reproduce():
  spec = importlib.util.spec_from_file_location('reproduce', os.path.join(REPO_ROOT, 'benchmarks', 'reproduce.py'))
  module = importlib.util.module_from_spec(spec)
  spec.loader.exec_module(module)
  return module


def test_short_ring_run_is_evaluated_end_to_end(tmp_path):
  config = pacgan_2d.get_config('ring,pack2,tiny,steps=6')
  config.data.num_samples = 500
  config.data.data_dir = str(tmp_path / 'data')
  config.eval.num_samples = 300
  config.eval.batch_size = 300
  config.eval.metrics = ('modes',)      # the tiny switch turns evaluation off
  dirs = [str(tmp_path / 'ring_pack2' / f'seed{k}') for k in range(2)]
  trainer = MultiSeedTrainer(config, (0, 1), dirs, steps_per_call=4)
  states = trainer.train(until=3, log=lambda _: None)
  states = trainer.train(states, log=lambda _: None)       # continues to config.train.steps
  results = trainer.evaluate(states)
  trainer.close()
  assert int(states.step[0]) == 6
  for result, workdir in zip(results, dirs):
    assert 0 <= result['modes'] <= 8 and 0 <= result['high_quality'] <= 1
    assert result['reverse_kl'] >= 0
    with open(os.path.join(workdir, 'eval', 'val_step6.json')) as f:
      assert json.load(f)['results'] == result
    with open(os.path.join(workdir, 'metrics.jsonl')) as f:
      assert [json.loads(line)['step'] for line in f] == [3, 6]
  # A new trainer resumes from the checkpoints instead of starting again.
  again = MultiSeedTrainer(config, (0, 1), dirs, steps_per_call=4)
  assert int(again.initial_states().step[0]) == 6
  again.close()


def test_reproduce_aggregates_mean_and_standard_error():
  reproduce = _load_reproduce()
  stat = reproduce.seed_summary([6.0, 8.0, 7.0])
  assert stat['mean'] == pytest.approx(7.0) and stat['se'] == pytest.approx(np.std([6, 8, 7], ddof=1) / np.sqrt(3))
  assert reproduce.comparison({'mean': 7.85}, '7.8+-0.1', 1.0) == 'inside'
  assert reproduce.comparison({'mean': 0.5}, '0.07+-0.03', 1.0) == '+0.40'
  assert reproduce.comparison({'mean': 0.9}, '94.8+-0.7', 100.0) == '-4.10'
