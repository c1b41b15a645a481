"""Learning-rate schedules, clipping and the G/D optimiser pair."""

import jax.numpy as jnp
import numpy as np
import optax
import pytest

from configs import default
from gan_jax.core.errors import ConfigError
from gan_jax.core.optimizers import SCHEDULES, make_gan_optimizers, make_optimizer


def _optim(**overrides):
  optim = default.get_config().optim
  optim.update(overrides)
  return optim


@pytest.mark.parametrize('name, at_half, at_end', [
    ('constant', 1.0, 1.0), ('linear', 0.5, 0.0), ('cosine', 0.5, 0.0), ('warmup_cosine', None, 0.0)])
def test_schedules_over_total_steps(name, at_half, at_end):
  _, schedule = make_optimizer(_optim(schedule=name), 1.0, 100, 10 if name == 'warmup_cosine' else 0)
  if at_half is not None:
    np.testing.assert_allclose(schedule(50), at_half, atol=1e-6)
  np.testing.assert_allclose(schedule(100), at_end, atol=1e-6)


def test_warmup_ramps_from_zero_then_follows_schedule():
  _, schedule = make_optimizer(_optim(schedule='constant'), 2.0, 100, 10)
  np.testing.assert_allclose([schedule(0), schedule(5), schedule(10), schedule(60)], [0, 1, 2, 2], atol=1e-6)


def test_unknown_schedule_names_the_key():
  with pytest.raises(ConfigError, match=r"optim.schedule='step'.*allowed: constant, constant_then_linear, cosine"):
    SCHEDULES.get('step')


def test_grad_clip_limits_the_global_norm():
  tx, _ = make_optimizer(_optim(grad_clip=1.0, b1=0.0, b2=0.0), 1.0, 10, 0)
  params = {'w': jnp.zeros(3)}
  grads = {'w': jnp.array([30.0, 40.0, 0.0])}
  clipped = optax.clip_by_global_norm(1.0).update(grads, optax.EmptyState())[0]
  np.testing.assert_allclose(clipped['w'], [0.6, 0.8, 0.0], rtol=1e-6)
  updates, _ = tx.update(grads, tx.init(params), params)
  assert np.all(np.isfinite(updates['w']))


def test_defaults_are_adam_2e4_beta_05_and_d_schedule_counts_critic_updates():
  config = default.get_config()
  config.optim.schedule = 'linear'
  config.loss.n_critic = 5
  g_tx, g_schedule, _, d_schedule = make_gan_optimizers(config)
  np.testing.assert_allclose(g_schedule(0), 2e-4)
  # G at step s and D at update 5 s see the same point of their schedules.
  np.testing.assert_allclose(d_schedule(5 * 1000), g_schedule(1000), rtol=1e-6)
  state = g_tx.init({'w': jnp.zeros(2)})
  assert isinstance(state[0], optax.ScaleByAdamState)
