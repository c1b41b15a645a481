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
  new_state, metrics = jax.jit(step)(state, batch, jax.random.PRNGKey(0))
  assert int(new_state.d_opt_state[0].count) == 3 and int(new_state.g_opt_state[0].count) == 1
  assert 'd_real_prob' not in metrics and 'd_real_logit' in metrics
  assert all(np.isfinite(v) for v in jax.device_get(metrics).values())
