"""train_step: D update lowers D's loss, the G loss goes through the updated D, EMA, n_critic."""

import functools

import jax
import numpy as np
import optax
import pytest

from gan_jax.core.optimizers import make_gan_optimizers
from gan_jax.families.gan import step as step_lib
from gan_jax.families.gan.losses import LOSSES
from gan_jax.families.gan.state import init_train_state
from gan_jax.models import build_models

BATCH = 16


def _setup(config, loss_name='non_saturating'):
  assert config.model.latent_dim == _LATENT
  config.loss.name = loss_name
  generator, discriminator = build_models(config.model, (2,))
  g_tx, g_sched, d_tx, d_sched = make_gan_optimizers(config)
  state = init_train_state(0, generator=generator, discriminator=discriminator, g_tx=g_tx, d_tx=d_tx,
                           latent_dim=config.model.latent_dim, example_shape=(2,), pack=1)
  step = functools.partial(
      step_lib.train_step, generator=generator, discriminator=discriminator, loss=LOSSES.get(loss_name),
      g_tx=g_tx, d_tx=d_tx, g_schedule=g_sched, d_schedule=d_sched, latent_dim=config.model.latent_dim,
      n_critic=config.loss.n_critic, ema_decay=config.ema.decay,
      report_probabilities=loss_name == 'non_saturating')
  real = jax.random.normal(jax.random.PRNGKey(1), (BATCH, 2)) * 0.5 + 2.0
  return generator, discriminator, state, step, {'image': real}


_LATENT = 8   # points_config.model.latent_dim


def _fakes(generator, state, rng):
  """The fakes of step 0's (only) D update."""
  z = jax.random.normal(step_lib.step_keys(rng, 0, 1)[0], (BATCH, _LATENT))
  out, _ = generator.apply({'params': state.g_params, 'batch_stats': state.g_batch_stats}, z, train=True,
                           mutable=['batch_stats'])
  return out


def _d_loss(discriminator, loss, d_params, d_stats, real, fakes):
  variables = {'params': d_params, 'batch_stats': d_stats}
  apply = lambda x: discriminator.apply(variables, x, train=True, mutable=['batch_stats'])[0]
  return loss.d_loss(apply(real), apply(fakes))


def test_d_step_lowers_d_loss_on_fixed_batch(points_config):
  points_config.optim.d_lr = 1e-2
  generator, discriminator, state, step, batch = _setup(points_config)
  rng = jax.random.PRNGKey(7)
  fakes = _fakes(generator, state, rng)
  loss = LOSSES.get('non_saturating')
  before = _d_loss(discriminator, loss, state.d_params, state.d_batch_stats, batch['image'], fakes)
  new_state, metrics = jax.jit(step)(state, batch, rng)
  after = _d_loss(discriminator, loss, new_state.d_params, state.d_batch_stats, batch['image'], fakes)
  np.testing.assert_allclose(metrics['d_loss'], before, rtol=1e-5)   # reported loss is the pre-update one
  assert after < before
  assert int(new_state.step) == 1


def test_g_loss_is_computed_through_updated_discriminator(points_config):
  generator, discriminator, state, step, batch = _setup(points_config)
  rng = jax.random.PRNGKey(3)
  new_state, metrics = jax.jit(step)(state, batch, rng)
  loss = LOSSES.get('non_saturating')
  z = jax.random.normal(step_lib.step_keys(rng, 0, 1)[0], (BATCH, _LATENT))

  def g_objective(g_params):
    fakes, _ = generator.apply({'params': g_params, 'batch_stats': state.g_batch_stats}, z, train=True,
                               mutable=['batch_stats'])
    logits, _ = discriminator.apply({'params': new_state.d_params, 'batch_stats': new_state.d_batch_stats},
                                    fakes, train=True, mutable=['batch_stats'])
    return loss.g_loss(logits)

  expected_loss, expected_grads = jax.value_and_grad(g_objective)(state.g_params)
  np.testing.assert_allclose(metrics['g_loss'], expected_loss, rtol=1e-5)
  np.testing.assert_allclose(metrics['g_grad_norm'], optax.tree.norm(expected_grads), rtol=1e-4)
  assert 0 < metrics['d_real_prob'] < 1 and 0 < metrics['g_fake_prob'] < 1
  np.testing.assert_allclose(metrics['g_lr'], points_config.optim.g_lr, rtol=1e-6)
  # G moved, and in the direction that lowers its loss against the updated D.
  assert g_objective(new_state.g_params) < expected_loss


@pytest.mark.parametrize('decay', [0.0, 0.5])
def test_ema_of_generator_params(points_config, decay):
  points_config.ema.decay = decay
  _, _, state, step, batch = _setup(points_config)
  new_state, _ = jax.jit(step)(state, batch, jax.random.PRNGKey(0))
  expected = jax.tree.map(lambda e, p: decay * e + (1 - decay) * p, state.ema_params, new_state.g_params)
  for got, want in zip(jax.tree.leaves(new_state.ema_params), jax.tree.leaves(expected)):
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)


def test_n_critic_makes_that_many_d_updates(points_config):
  points_config.loss.n_critic = 3
  _, _, state, step, batch = _setup(points_config, 'wasserstein')
  reals = jax.numpy.concatenate([batch['image'] + k for k in range(3)])   # one real batch per D update
  new_state, metrics = jax.jit(step)(state, {'image': reals}, jax.random.PRNGKey(0))
  assert int(new_state.d_opt_state[0].count) == 3 and int(new_state.g_opt_state[0].count) == 1
  assert 'd_real_prob' not in metrics and 'd_real_logit' in metrics
  assert all(np.isfinite(v) for v in jax.device_get(metrics).values())


def _spy_discriminator_inputs(monkeypatch, discriminator):
  """Records every concrete image batch D is applied to (the D updates' reals and fakes; the G update's fakes
  are traced by its gradient and left out). The step must run unjitted for the values to be concrete."""
  seen, original = [], step_lib._apply_collecting_stats

  def spy(module, params, batch_stats, x, labels=None):
    if module is discriminator and not isinstance(x, jax.core.Tracer):
      seen.append(np.asarray(x))
    return original(module, params, batch_stats, x, labels)
  monkeypatch.setattr(step_lib, '_apply_collecting_stats', spy)
  return seen


def test_each_d_update_reads_its_own_real_batch(points_config, monkeypatch):
  """n_critic=2: the step gets 2 * B reals; D update i reads rows i, 2 + i, 4 + i, ... and G draws B fakes."""
  points_config.loss.n_critic = 2
  _, discriminator, state, step, _ = _setup(points_config)
  real = np.arange(2 * BATCH * 2, dtype=np.float32).reshape(2 * BATCH, 2) / 10   # every row different
  seen = _spy_discriminator_inputs(monkeypatch, discriminator)
  new_state, _ = step(state, {'image': jax.numpy.asarray(real)}, jax.random.PRNGKey(0))
  assert len(seen) == 4   # (real, fake) of D update 0, then of D update 1
  np.testing.assert_array_equal(seen[0], real.reshape(BATCH, 2, 2)[:, 0])
  np.testing.assert_array_equal(seen[2], real.reshape(BATCH, 2, 2)[:, 1])
  assert seen[1].shape == seen[3].shape == (BATCH, 2)   # fakes: B per update
  assert int(new_state.d_opt_state[0].count) == 2 and int(new_state.g_opt_state[0].count) == 1


def test_real_batches_keep_a_device_s_rows_on_it():
  """Under data parallelism a device holds a contiguous block of the n_critic * B rows: the split must take
  each update's rows from every block (no data moves between devices)."""
  x = np.arange(24).reshape(12, 2)
  parts = step_lib.real_batches(jax.numpy.asarray(x), 3)
  assert [p.shape for p in parts] == [(4, 2)] * 3
  for device_block in range(4):   # 4 devices, 3 rows each: each block gives one row to every update
    rows = x[3 * device_block:3 * device_block + 3]
    np.testing.assert_array_equal(np.stack([np.asarray(p)[device_block] for p in parts]), rows)
  assert step_lib.real_batches(x, 1)[0] is x   # n_critic = 1: the batch itself


_LOCALITY_SCRIPT = r'''
import re, sys
import jax
jax.config.update('jax_num_cpu_devices', 4)
import numpy as np
sys.path.insert(0, sys.argv[1])
from run_helpers import make_points_config
from gan_jax.core import parallel
from gan_jax.families.gan import trainer as gan_trainer
config = make_points_config()
config.loss.n_critic, config.train.batch_size = 2, 16
trainer = gan_trainer.GanTrainer(config, (2,))
state = trainer.fresh_state()
batch = parallel.to_global_batch({'image': np.zeros((32, 2), np.float32)}, trainer.mesh)
rng = parallel.replicated_copy(state.rng, trainer.mesh)
text = trainer.make_train_step().lower(state, batch, rng).compile().as_text()
ops = ('all-to-all', 'collective-permute', 'all-gather')
print({op: len(re.findall(r'\b' + op + r'(-start)?\(', text)) for op in ops})
'''


def test_n_critic_split_moves_no_data_between_devices():
  """Compiled on 4 devices, the n_critic=2 step has no all-to-all, permute or gather (a split into
  consecutive blocks of B rows compiles to 4 collective-permutes)."""
  import subprocess, sys, os  # pylint: disable=g-import-not-at-top,multiple-imports
  from run_helpers import subprocess_env  # pylint: disable=g-import-not-at-top
  tests_dir = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
  result = subprocess.run([sys.executable, '-c', _LOCALITY_SCRIPT, tests_dir], env=subprocess_env(),
                          capture_output=True, text=True, timeout=300)
  assert result.returncode == 0, result.stderr[-2000:]
  assert result.stdout.strip().splitlines()[-1] == "{'all-to-all': 0, 'collective-permute': 0, 'all-gather': 0}"


@pytest.mark.parametrize('start_step', [0, 2])
def test_ema_is_a_copy_of_g_until_start_step(points_config, start_step):
  points_config.ema.decay = 0.5
  _, _, state, step, batch = _setup(points_config)
  step = jax.jit(functools.partial(step, ema_start_step=start_step))
  for k in range(4):
    new_state, _ = step(state, batch, jax.random.PRNGKey(0))
    if k < start_step:   # updates 0 .. start_step - 1: the EMA is G
      expected = new_state.g_params
    else:
      expected = jax.tree.map(lambda e, p: 0.5 * e + 0.5 * p, state.ema_params, new_state.g_params)
    for got, want in zip(jax.tree.leaves(new_state.ema_params), jax.tree.leaves(expected)):
      np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)
    assert k < start_step or not np.allclose(jax.tree.leaves(new_state.ema_params)[0],
                                             jax.tree.leaves(new_state.g_params)[0])
    state = new_state


def test_ada_counts_every_real_image_d_saw(tiny_config):
  """n_critic=2 with B=8: a step shows D 16 real images, each once; r_t averages their 16 signs and p moves
  by 16 * interval / (kimg * 1000) per adjustment (StyleGAN2-ADA counts the reals D was shown)."""
  from gan_jax.families.gan import trainer as gan_trainer  # pylint: disable=g-import-not-at-top
  tiny_config.gan_aug.policy = 'ada'
  tiny_config.gan_aug.ada_interval, tiny_config.gan_aug.ada_kimg, tiny_config.gan_aug.ada_p = 2, 0.32, 0.5
  tiny_config.loss.n_critic = 2
  trainer = gan_trainer.GanTrainer(tiny_config, (16, 16, 1))
  assert trainer.batches_per_step() == 2
  state, step = trainer.init_fn(), jax.jit(trainer.bind_train_step())
  for k in range(2):
    real = jax.random.uniform(jax.random.PRNGKey(k), (2 * 8, 16, 16, 1), minval=-1, maxval=1)
    state, _ = step(state, {'image': real}, jax.random.PRNGKey(1))
    if k == 0:
      assert int(state.ada['sign_count']) == 2 * 8   # every real image once (not one batch twice)
  assert int(state.ada['sign_count']) == 0
  np.testing.assert_allclose(abs(float(state.ada['p']) - 0.5), 2 * 8 * 2 / (0.32 * 1000), rtol=1e-6)
