"""The GAN sampler: the EMA generator samples with BatchNorm statistics of its own (standing statistics),
computed exactly as BigGAN / compare_gan do, deterministically; ema.* keys are validated."""

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from gan_jax import config_checks
from gan_jax.core import parallel
from gan_jax.core.errors import ConfigError
from gan_jax.families import standing
from gan_jax.families.gan import trainer as gan_trainer
from run_helpers import make_tiny_config


class _TwoNorms(nn.Module):
  """z -> Dense -> BN(momentum 0.7) -> relu -> Dense -> BN(momentum 0.9): two momenta, one formula."""

  @nn.compact
  def __call__(self, z, labels=None, train=False):
    del labels
    x = nn.relu(nn.BatchNorm(use_running_average=not train, momentum=0.7)(nn.Dense(5)(z)))
    return nn.BatchNorm(use_running_average=not train, momentum=0.9)(nn.Dense(3)(x))


def _hand_moments(variables, z):
  """Each BatchNorm's batch mean and biased variance, by hand in numpy (float64)."""
  p = jax.tree.map(lambda a: np.asarray(a, np.float64), variables['params'])
  h = np.asarray(z, np.float64) @ p['Dense_0']['kernel'] + p['Dense_0']['bias']
  m0, v0 = h.mean(0), h.var(0)
  h = (h - m0) / np.sqrt(v0 + 1e-5) * p['BatchNorm_0']['scale'] + p['BatchNorm_0']['bias']
  h = np.maximum(h, 0) @ p['Dense_1']['kernel'] + p['Dense_1']['bias']
  return {'BatchNorm_0': {'mean': m0, 'var': v0}, 'BatchNorm_1': {'mean': h.mean(0), 'var': h.var(0)}}


def test_batch_moments_are_each_batch_norm_s_batch_statistics():
  module = _TwoNorms()
  z = jax.random.normal(jax.random.PRNGKey(0), (32, 4)) * 2 + 1
  variables = module.init(jax.random.PRNGKey(1), z)
  stale = jax.tree.map(lambda a: a + 7.0, variables['batch_stats'])   # the result must not depend on them
  got = standing.batch_moments(module, variables['params'], stale, z, None)
  want = _hand_moments(variables, z)
  for layer in want:
    for name in ('mean', 'var'):
      np.testing.assert_allclose(got[layer][name], want[layer][name], rtol=1e-5, atol=1e-6)


def test_standing_stats_average_the_batches():
  module = _TwoNorms()
  variables = module.init(jax.random.PRNGKey(1), jnp.zeros((2, 4)))
  total = variables['batch_stats']
  for k in range(3):
    total = standing.add_batch_moments(module, variables['params'], variables['batch_stats'], total,
                                       jnp.int32(k), batch_size=16, latent_dim=4, num_batches=3)
  batches = [_hand_moments(variables, standing.standing_latents(k, 16, 4)[0]) for k in range(3)]
  for layer in batches[0]:
    for name in ('mean', 'var'):
      np.testing.assert_allclose(total[layer][name], np.mean([b[layer][name] for b in batches], 0), rtol=1e-5,
                                 atol=1e-6)


def _trainer_and_state(standing_batches=None):
  config = make_tiny_config()
  config.train.batch_size = 64
  if standing_batches is not None:
    config.ema.standing_batches = standing_batches
  trainer = gan_trainer.GanTrainer(config, (16, 16, 1))
  state = trainer.fresh_state()
  # EMA weights that differ from G's (as after training): G's running statistics do not describe them.
  ema = jax.tree.map(lambda p: 3.0 * p + 0.01, state.g_params)
  return config, trainer, state.replace(ema_params=jax.tree.map(lambda a: parallel.replicate(a, trainer.mesh),
                                                                 jax.device_get(ema)))


def _train_mode_mismatch(trainer, config, state, samples, num):
  """Mean |eval-mode sample - train-mode output on the same latents| (train mode: the batch's own stats)."""
  z = jnp.concatenate([jax.random.normal(jax.random.fold_in(jax.random.PRNGKey(3), c),
                                         (config.eval.batch_size, config.model.latent_dim))
                       for c in range(-(-num // config.eval.batch_size))])[:num]
  train_mode, _ = trainer.generator.apply({'params': state.ema_params, 'batch_stats': state.g_batch_stats}, z,
                                          train=True, mutable=['batch_stats'])
  return float(np.mean(np.abs(samples - np.asarray(train_mode))))


def test_ema_samples_use_the_ema_weights_own_statistics():
  """The EMA G in eval mode behaves as it does in train mode (statistics of its own activations), not with
  the statistics of the raw G's activations (the old behaviour, kept as ema.standing_batches=0)."""
  config, trainer, state = _trainer_and_state()
  assert config.ema.standing_batches == 16   # the default
  samples = trainer.sample_fn(state)(500, 3)
  assert _train_mode_mismatch(trainer, config, state, samples, 500) < 0.02
  np.testing.assert_array_equal(samples, trainer.sample_fn(state)(500, 3))   # deterministic
  _, raw_trainer, _ = _trainer_and_state(standing_batches=0)
  raw = raw_trainer.sample_fn(state)(500, 3)
  assert _train_mode_mismatch(trainer, config, state, raw, 500) > 0.1
  sampler = trainer._samplers[(0.0, 1.0)]   # pylint: disable=protected-access
  stats = jax.device_get(sampler.batch_stats(state))
  expected = trainer.generator.apply({'params': state.ema_params, 'batch_stats': stats},
                                     jax.random.normal(jax.random.PRNGKey(0), (4, config.model.latent_dim)))
  np.testing.assert_allclose(trainer.decode_fn(state)(np.asarray(jax.random.normal(
      jax.random.PRNGKey(0), (4, config.model.latent_dim)))), expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize('key, value, message', [
    ('start_step', -1, 'ema.start_step=-1 must be an integer >= 0'),
    ('standing_batches', -2, 'ema.standing_batches=-2 must be an integer >= 0'),
    ('standing_batches', True, 'ema.standing_batches=True must be an integer >= 0'),
])
def test_ema_keys_are_checked(key, value, message):
  config = make_tiny_config()
  config.ema[key] = value
  with pytest.raises(ConfigError, match=message.replace('[', r'\[').replace('.', r'\.')) as error:
    config_checks.validate_config(config, 'train', devices=False)
  assert '\n' not in str(error.value)
