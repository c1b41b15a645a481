"""concat_d.discriminate_concatenated: D once on [real; fake] with per-half BatchNorm equals the two passes in
D's logits, the loss, D's gradients and D's updated running statistics (and in a whole train step)."""

import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from gan_jax.core.optimizers import make_gan_optimizers
from gan_jax.families.gan import step as step_lib
from gan_jax.families.gan.concat_d import discriminate_concatenated
from gan_jax.families.gan.losses import LOSSES, classification_loss
from gan_jax.families.gan.state import init_train_state
from gan_jax.models import build_models
from gan_jax.models.dcgan import DCGANDiscriminator

BATCH, SIZE, CLASSES = 8, 32, 3
RTOL, ATOL = 1e-5, 1e-6


def _d_and_variables(**fields):
  d = DCGANDiscriminator(SIZE, width=8, **fields)
  labels = jnp.zeros((BATCH,), jnp.int32) if fields.get('conditional', 'none') != 'none' else None
  variables = d.init(jax.random.PRNGKey(0), jnp.zeros((BATCH, SIZE, SIZE, 1)), labels)
  # Running statistics away from their init, so the order of the two updates shows.
  stats = jax.tree.map(lambda v: v + jnp.linspace(0.1, 0.5, v.shape[-1]), variables['batch_stats'])
  return d, variables['params'], stats


def _batches():
  k1, k2 = jax.random.split(jax.random.PRNGKey(1))
  real = jax.random.uniform(k1, (BATCH, SIZE, SIZE, 1), minval=-1, maxval=1)
  fakes = 0.3 * jax.random.normal(k2, (BATCH, SIZE, SIZE, 1)) + 0.2   # other statistics than the reals
  labels = jnp.arange(BATCH, dtype=jnp.int32) % CLASSES
  return real, fakes, labels, (labels + 1) % CLASSES


def _objective(d, pair):
  return jax.jit(jax.value_and_grad(functools.partial(
      step_lib._d_objective, discriminator=d, loss=LOSSES.get('non_saturating'), gp_weight=0.0, r1_weight=0.0,
      ac_weight=1.0, gradient_penalty=None, r1_penalty=None, class_loss=classification_loss,
      ac_fake_weight=1.0, discriminate_pair=pair), has_aux=True))


def _assert_trees_close(a, b):
  jax.tree.map(lambda x, y: np.testing.assert_allclose(x, y, rtol=RTOL, atol=ATOL), a, b)


@pytest.mark.parametrize('fields', [{}, {'pack': 2}, {'conditional': 'acgan', 'num_classes': CLASSES}],
                         ids=['dcgan', 'pack2', 'acgan'])
def test_one_pass_equals_two_passes(fields):
  d, params, stats = _d_and_variables(**fields)
  real, fakes, real_y, fake_y = _batches()
  if 'conditional' not in fields:
    real_y = fake_y = None
  results = {}
  for name, pair in (('two', step_lib.discriminate_separately), ('concat', discriminate_concatenated)):
    (total, (aux, new_stats, _)), grads = _objective(d, pair)(
        params, stats, real, real_y, fakes, fake_y, jax.random.PRNGKey(2), {})
    results[name] = (total, aux, new_stats, grads)
  (total2, aux2, stats2, grads2), (total1, aux1, stats1, grads1) = results['two'], results['concat']
  for key in ('real_logits', 'fake_logits'):
    np.testing.assert_allclose(aux1[key], aux2[key], rtol=RTOL, atol=ATOL)
  np.testing.assert_allclose(total1, total2, rtol=RTOL)
  _assert_trees_close(grads1, grads2)
  _assert_trees_close(stats1, stats2)
  # The fake pass's update lands last: its statistics weigh 0.1, the real pass's 0.09.
  assert not np.allclose(stats2['BatchNorm_0']['mean'], stats['BatchNorm_0']['mean'])


def test_concat_without_per_half_statistics_differs():
  """The check above can fail: D on the concatenation with one BatchNorm group gives other logits."""
  d, params, stats = _d_and_variables()
  real, fakes, _, _ = _batches()
  both, _ = d.apply({'params': params, 'batch_stats': stats}, jnp.concatenate([real, fakes]), train=True,
                    mutable=['batch_stats'])
  real_logits, *_ = step_lib.discriminate_separately(d, params, stats, real, None, fakes, None)
  assert np.max(np.abs(both[:BATCH] - real_logits)) > 1e-3


def test_spectral_norm_d_is_refused():
  d = DCGANDiscriminator(SIZE, width=8, spectral_norm=True)
  real, fakes, _, _ = _batches()
  with pytest.raises(ValueError, match='power iteration'):
    discriminate_concatenated(d, {}, {}, real, None, fakes, None)


def test_train_step_with_concatenated_d_equals_the_default(tiny_config):
  config = tiny_config
  shape = (config.data.image_size, config.data.image_size, config.data.channels)
  generator, discriminator = build_models(config.model, shape)
  g_tx, g_sched, d_tx, d_sched = make_gan_optimizers(config)
  state = init_train_state(0, generator=generator, discriminator=discriminator, g_tx=g_tx, d_tx=d_tx,
                           latent_dim=config.model.latent_dim, example_shape=shape, pack=1)
  step = functools.partial(
      step_lib.train_step, generator=generator, discriminator=discriminator, loss=LOSSES.get('non_saturating'),
      g_tx=g_tx, d_tx=d_tx, g_schedule=g_sched, d_schedule=d_sched, latent_dim=config.model.latent_dim)
  batch = {'image': jax.random.uniform(jax.random.PRNGKey(3), (config.train.batch_size, *shape), minval=-1)}
  rng = jax.random.PRNGKey(4)
  two = jax.jit(step)(state, batch, rng)
  one = jax.jit(functools.partial(step, discriminate_pair=discriminate_concatenated))(state, batch, rng)
  _assert_trees_close(one, two)
