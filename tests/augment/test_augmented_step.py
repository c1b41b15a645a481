"""The train step with gan_aug / LeCam on: D sees augmented reals and fakes in the D and the G update,
G's gradient goes through the augmentation, ADA's p follows its rule inside the jitted step, LeCam's
anchors and penalty are the reference's."""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from gan_jax.augment import make_augment
from gan_jax.core.errors import ConfigError
from gan_jax.families.gan import trainer as gan_trainer
from gan_jax.families.gan import step as step_lib
from gan_jax.families.gan.losses import LOSSES
from run_helpers import make_points_config, make_tiny_config

SHAPE = (16, 16, 1)
BATCH = 8


def _run(config, steps=1, seed=0):
  setup = gan_trainer.GanTrainer(config, SHAPE)
  state = setup.init_fn()
  step = jax.jit(setup.bind_train_step())
  rng = jax.random.PRNGKey(7)
  real = jax.random.uniform(jax.random.PRNGKey(seed), (BATCH, *SHAPE), minval=-1, maxval=1)
  history = []
  for _ in range(steps):
    new_state, metrics = step(state, {'image': real}, rng)
    history.append((state, new_state, jax.device_get(metrics)))
    state = new_state
  return setup, real, rng, history


def _apply(module, params, stats, x):
  return module.apply({'params': params, 'batch_stats': stats}, x, train=True, mutable=['batch_stats'])[0]


@pytest.mark.parametrize('model', ['dcgan', 'mlp'])
def test_d_and_g_see_augmented_images_and_g_gradients_go_through_them(model):
  config = make_tiny_config()
  config.model.name = model
  config.gan_aug.policy = 'color,translation,cutout'
  setup, real, rng, [(state, new_state, metrics)] = _run(config)
  g, d, loss = setup.generator, setup.discriminator, LOSSES.get(config.loss.name)
  augment = make_augment(config.gan_aug.policy)
  z = jax.random.normal(step_lib.step_keys(rng, 0, 1)[0], (BATCH, config.model.latent_dim))
  keys = step_lib.augment_keys(rng, 0, 1)
  view = lambda x, k: augment(x, k, jnp.float32(0))

  @jax.jit   # (eager DCGAN passes are slow on a busy CPU)
  def d_objective():
    fakes = _apply(g, state.g_params, state.g_batch_stats, z)
    return loss.d_loss(_apply(d, state.d_params, state.d_batch_stats, view(real, keys[0])),
                       _apply(d, state.d_params, state.d_batch_stats, view(fakes, keys[1])))
  np.testing.assert_allclose(metrics['d_loss'], d_objective(), rtol=1e-5)

  def g_objective(g_params, augmented=True):
    x = _apply(g, g_params, state.g_batch_stats, z)
    return loss.g_loss(_apply(d, new_state.d_params, state.d_batch_stats, view(x, keys[2]) if augmented else x))

  g_loss, g_grads = jax.jit(jax.value_and_grad(g_objective))(state.g_params)
  np.testing.assert_allclose(metrics['g_loss'], g_loss, rtol=1e-5)
  np.testing.assert_allclose(metrics['g_grad_norm'], optax.tree.norm(g_grads), rtol=1e-4)
  assert np.isfinite(metrics['g_grad_norm']) and metrics['g_grad_norm'] > 0
  plain_grads = jax.jit(jax.grad(lambda p: g_objective(p, False)))(state.g_params)   # it did augment:
  assert abs(float(optax.tree.norm(plain_grads)) / float(metrics['g_grad_norm']) - 1) > 1e-3


def test_ada_p_follows_its_rule_inside_the_jitted_step():
  config = make_tiny_config()
  config.gan_aug.policy = 'ada'
  config.gan_aug.ada_interval, config.gan_aug.ada_kimg, config.gan_aug.ada_p = 2, 0.16, 0.1   # steps of 0.1
  config.optim.d_lr = 5e-3   # D learns the fixed real batch quickly: r_t rises
  _, _, _, history = _run(config, steps=8)
  p = 0.1
  for k, (before, after, metrics) in enumerate(history):
    if (k + 1) % 2 == 0:
      p = max(0.0, p + 0.1 * np.sign(float(after.ada['r_t']) - 0.6))
      assert int(after.ada['sign_count']) == 0
    else:
      assert int(after.ada['sign_count']) == BATCH
    np.testing.assert_allclose([metrics['aug_p'], metrics['aug_rt']], [after.ada['p'], after.ada['r_t']])
    np.testing.assert_allclose(float(after.ada['p']), p, atol=1e-6)
  assert float(history[-1][1].ada['p']) > 0.1   # D became confident on the reals: p went up


def test_lecam_penalty_and_anchors():
  config = make_tiny_config()
  config.loss.lecam_weight, config.loss.lecam_decay = 0.3, 0.9
  setup, real, rng, [(state, new_state, metrics)] = _run(config)
  d = setup.discriminator
  z = jax.random.normal(step_lib.step_keys(rng, 0, 1)[0], (BATCH, config.model.latent_dim))
  fakes = _apply(setup.generator, state.g_params, state.g_batch_stats, z)
  real_logits = _apply(d, state.d_params, state.d_batch_stats, real)
  fake_logits = _apply(d, state.d_params, state.d_batch_stats, fakes)
  mr, mf = float(real_logits.mean()), float(fake_logits.mean())
  expected = np.mean(np.maximum(real_logits - mf, 0) ** 2) + np.mean(np.maximum(mr - fake_logits, 0) ** 2)
  np.testing.assert_allclose(metrics['lecam_penalty'], expected, rtol=1e-5)
  d_adv = LOSSES.get(config.loss.name).d_loss(real_logits, fake_logits)
  np.testing.assert_allclose(metrics['d_loss'], d_adv + 0.3 * expected, rtol=1e-5)
  np.testing.assert_allclose([new_state.lecam['real'], new_state.lecam['fake']], [0.1 * mr, 0.1 * mf], rtol=1e-5)
  assert int(new_state.lecam['updates']) == 1


def test_augmenting_points_is_a_config_error():
  config = make_points_config()
  config.gan_aug.policy = 'translation'
  with pytest.raises(ConfigError, match=r"gan_aug.policy='translation' augments images"):
    gan_trainer.GanTrainer(config, (2,))
