"""The train step of conditional models: labels in, AC-GAN losses equal numpy values, fake-label draws."""

import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from gan_jax.losses import LOSSES
from gan_jax.train import setup as setup_lib
from gan_jax.train import step as step_lib
from gan_jax.train.state import init_train_state

from run_helpers import make_tiny_config

BATCH, CLASSES = 8, 10


def _numpy_ce(class_logits, labels):
  logits = np.asarray(class_logits, np.float64)
  log_softmax = logits - np.log(np.exp(logits - logits.max(1, keepdims=True)).sum(1, keepdims=True)) - logits.max(
      1, keepdims=True)
  return -np.mean(log_softmax[np.arange(len(labels)), np.asarray(labels)])


def _setup(conditional, probs=None, ac_weight=1.0):
  config = make_tiny_config()
  config.model.conditional = conditional
  config.loss.ac_weight = ac_weight
  setup = setup_lib.build_setup(config, (16, 16, 1), num_classes=CLASSES, fake_label_probs=probs)
  state = setup.init_fn()
  step = setup_lib.bind_train_step(setup)
  rng = np.random.default_rng(0)
  batch = {'image': jnp.asarray(rng.uniform(-1, 1, (BATCH, 16, 16, 1)), jnp.float32),
           'label': jnp.asarray(rng.integers(0, CLASSES, BATCH), jnp.int32)}
  return config, setup, state, step, batch


def _fake_labels(setup, rng, probs):
  key = jax.random.fold_in(step_lib.step_keys(rng, 0, 1)[0], 1)
  return jax.random.categorical(key, jnp.log(jnp.asarray(probs, jnp.float32)), shape=(BATCH,))


def test_acgan_losses_equal_numpy_values():
  config, setup, state, step, batch = _setup('acgan', ac_weight=0.7)
  rng = jax.random.PRNGKey(5)
  new_state, metrics = jax.jit(step)(state, batch, rng)
  fake_labels = _fake_labels(setup, rng, np.full(CLASSES, 0.1))
  z = jax.random.normal(step_lib.step_keys(rng, 0, 1)[0], (BATCH, config.model.latent_dim))
  fakes, _ = setup.generator.apply({'params': state.g_params, 'batch_stats': state.g_batch_stats}, z, fake_labels,
                                   train=True, mutable=['batch_stats'])
  d_vars = {'params': state.d_params, 'batch_stats': state.d_batch_stats}
  (real_logits, real_classes), upd = setup.discriminator.apply(d_vars, batch['image'], batch['label'], train=True,
                                                               mutable=['batch_stats'])
  (fake_logits, fake_classes), _ = setup.discriminator.apply({**d_vars, **upd}, fakes, fake_labels, train=True,
                                                             mutable=['batch_stats'])
  d_ac = _numpy_ce(real_classes, batch['label']) + _numpy_ce(fake_classes, fake_labels)
  np.testing.assert_allclose(metrics['d_ac_loss'], d_ac, rtol=1e-4)
  adversarial = LOSSES.get(config.loss.name).d_loss(real_logits, fake_logits)
  np.testing.assert_allclose(metrics['d_loss'], adversarial + 0.7 * d_ac, rtol=1e-4)
  # G's class loss goes through the updated D on the same fakes and labels.
  (_, g_classes), _ = setup.discriminator.apply(
      {'params': new_state.d_params, 'batch_stats': new_state.d_batch_stats}, fakes, fake_labels, train=True,
      mutable=['batch_stats'])
  np.testing.assert_allclose(metrics['g_ac_loss'], _numpy_ce(g_classes, fake_labels), rtol=1e-3)


def test_projection_step_uses_real_labels():
  _, _, state, step, batch = _setup('projection')
  rng = jax.random.PRNGKey(1)
  jitted = jax.jit(step)
  _, m1 = jitted(state, batch, rng)
  _, m2 = jitted(state, dict(batch, label=(batch['label'] + 1) % CLASSES), rng)
  assert 'd_ac_loss' not in m1
  assert float(m1['d_real_logit']) != float(m2['d_real_logit'])


def test_fake_labels_follow_the_given_distribution():
  probs = np.zeros(CLASSES)
  probs[[2, 5]] = [0.25, 0.75]
  draws = np.concatenate([np.asarray(_fake_labels(None, jax.random.PRNGKey(s), probs)) for s in range(200)])
  assert set(np.unique(draws)) == {2, 5}
  assert abs((draws == 5).mean() - 0.75) < 0.05


def test_class_info_from_train_split_counts():
  class _DS:
    num_classes = 3
    report = {'class_counts': {'train': {'0': 10, '1': 30, '2': 60}}}
  config = make_tiny_config()
  assert setup_lib.class_info(config, _DS()) == (0, None)
  config.model.conditional = 'projection'
  num, probs = setup_lib.class_info(config, _DS())
  assert num == 3 and np.allclose(probs, [0.1, 0.3, 0.6])
  config.model.fake_labels = 'uniform'
  assert np.allclose(setup_lib.class_info(config, _DS())[1], 1 / 3)
