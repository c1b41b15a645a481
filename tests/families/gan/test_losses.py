"""Losses equal hand-computed values; gradient penalties behave as their definitions say."""

import importlib.util
import pathlib

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from gan_jax.core.errors import ConfigError
from gan_jax.families.gan.losses import LOSSES, gradient_penalty, r1_penalty, validate_loss_config

REAL = np.array([2.0, -1.0, 0.5, 30.0], np.float32)
FAKE = np.array([-3.0, 0.25, 1.5, -40.0], np.float32)


def _sigmoid(x):
  return 1 / (1 + np.exp(-np.float64(x)))


def _log(p):
  return np.log(np.clip(p, 1e-300, None))


# name -> (D loss, G loss), from the textbook definitions in float64 (D's real/fake terms summed).
EXPECTED = {
    'non_saturating': (-np.mean(_log(_sigmoid(REAL))) - np.mean(_log(1 - _sigmoid(FAKE))),
                       -np.mean(_log(_sigmoid(FAKE)))),
    'minimax': (-np.mean(_log(_sigmoid(REAL))) - np.mean(_log(1 - _sigmoid(FAKE))),
                np.mean(np.log1p(-_sigmoid(FAKE)))),
    'hinge': (np.mean(np.maximum(0, 1 - REAL)) + np.mean(np.maximum(0, 1 + FAKE)), -np.mean(FAKE)),
    'least_squares': (0.5 * np.mean((REAL - 1) ** 2) + 0.5 * np.mean(FAKE ** 2),
                      0.5 * np.mean((FAKE - 1) ** 2)),
    'wasserstein': (np.mean(FAKE) - np.mean(REAL), -np.mean(FAKE)),
}


@pytest.mark.parametrize('name', sorted(EXPECTED))
def test_loss_equals_hand_value(name):
  loss = LOSSES.get(name)
  d_want, g_want = EXPECTED[name]
  d_got, g_got = loss.d_loss(jnp.asarray(REAL), jnp.asarray(FAKE)), loss.g_loss(jnp.asarray(FAKE))
  assert d_got.shape == () and d_got.dtype == jnp.float32
  np.testing.assert_allclose(float(d_got), d_want, rtol=1e-5)
  np.testing.assert_allclose(float(g_got), g_want, rtol=1e-5)


def test_registry_names():
  assert list(LOSSES.names()) == sorted(EXPECTED)


def test_sigmoid_losses_stay_finite_for_huge_logits():
  big = jnp.array([1e4, -1e4], jnp.float32)
  for name in ('non_saturating', 'minimax'):
    loss = LOSSES.get(name)
    grads = jax.grad(lambda r, f: loss.d_loss(r, f) + loss.g_loss(f), argnums=(0, 1))(big, big)
    assert np.isfinite(float(loss.d_loss(big, big))) and np.isfinite(float(loss.g_loss(big)))
    assert all(np.all(np.isfinite(g)) for g in grads)


def test_bfloat16_logits_give_float32_losses():
  for name in EXPECTED:
    loss = LOSSES.get(name)
    value = loss.d_loss(jnp.asarray(REAL, jnp.bfloat16), jnp.asarray(FAKE, jnp.bfloat16))
    assert value.dtype == jnp.float32


def _unit_directions(rng, shape):
  u = jax.random.normal(rng, shape)
  return u / jnp.linalg.norm(u.reshape(shape[0], -1), axis=-1).reshape(-1, 1, 1, 1)


def test_gradient_penalty_is_zero_for_unit_gradient_and_positive_otherwise():
  real = jax.random.normal(jax.random.key(0), (4, 3, 3, 2))
  fake = jax.random.normal(jax.random.key(1), (4, 3, 3, 2))
  u = _unit_directions(jax.random.key(2), real.shape)
  linear = lambda scale: (lambda x: scale * jnp.sum(x * u, axis=(1, 2, 3)))
  assert float(gradient_penalty(linear(1.0), real, fake, jax.random.key(3))) < 1e-10
  np.testing.assert_allclose(float(gradient_penalty(linear(3.0), real, fake, jax.random.key(3))),
                             4.0, rtol=1e-5)   # (3 - 1)^2
  quadratic = lambda x: jnp.sum(x ** 2, axis=(1, 2, 3))   # grad 2 x_hat: depends on the interpolate
  assert float(gradient_penalty(quadratic, real, fake, jax.random.key(3))) > 0.1


def test_gradient_penalty_interpolates_between_real_and_fake():
  real, fake = jnp.zeros((256, 1)), jnp.ones((256, 1))
  # d(x) = x^2 / 2 has gradient x = 1 - eps; E[(1 - eps - 1)^2] = E[eps^2] = 1/3 for eps ~ U[0, 1].
  value = gradient_penalty(lambda x: 0.5 * x[:, 0] ** 2, real, fake, jax.random.key(0))
  assert abs(float(value) - 1 / 3) < 0.05


def test_penalties_use_per_logit_norms_for_packed_discriminators():
  # A packed D: logit i = sum over its group of 2 samples of <x, u>; gradient norm per group sqrt(2).
  u = jnp.array([0.6, 0.8])
  packed = lambda x: jnp.sum((x @ u).reshape(-1, 2), axis=-1)
  real = jax.random.normal(jax.random.key(0), (6, 2))
  np.testing.assert_allclose(float(r1_penalty(packed, real)), 2.0, rtol=1e-5)
  np.testing.assert_allclose(float(gradient_penalty(packed, real, real + 1, jax.random.key(1))),
                             (np.sqrt(2) - 1) ** 2, rtol=1e-4)


def test_r1_matches_hand_value_for_linear_discriminator():
  w = np.array([[1.0, 2.0], [0.5, -0.5], [3.0, 0.0]], np.float32)   # per-example weights
  d_fn = lambda x: jnp.sum(x * w, axis=-1)
  real = jax.random.normal(jax.random.key(0), (3, 2))
  np.testing.assert_allclose(float(r1_penalty(d_fn, real)), np.mean(np.sum(w ** 2, axis=-1)),
                             rtol=1e-6)


def test_penalties_are_differentiable_in_the_discriminator_params():
  real = jax.random.normal(jax.random.key(0), (4, 2))
  grad = jax.grad(lambda a: r1_penalty(lambda x: jnp.tanh(x @ a), real))(jnp.ones(2))
  assert grad.shape == (2,) and np.all(np.isfinite(grad)) and np.any(grad != 0)


def _config():
  path = pathlib.Path(__file__).resolve().parents[3] / 'configs' / 'default.py'
  spec = importlib.util.spec_from_file_location('gan_jax_default_config', path)
  module = importlib.util.module_from_spec(spec)
  spec.loader.exec_module(module)
  return module.get_config()


def test_validate_loss_config():
  validate_loss_config(_config())
  for field, value, message in [
      ('name', 'kl', "loss.name='kl' is not a known loss; allowed: hinge, least_squares, minimax"),
      ('gp_weight', -1.0, 'loss.gp_weight=-1.0 must be a finite number >= 0'),
      ('r1_weight', float('nan'), 'loss.r1_weight=nan must be a finite number >= 0'),
      ('n_critic', 0, 'loss.n_critic=0 must be an integer >= 1')]:
    config = _config()
    config.loss[field] = value
    with pytest.raises(ConfigError) as error:
      validate_loss_config(config)
    assert message in str(error.value) and '\n' not in str(error.value)


def test_classification_loss_equals_numpy_cross_entropy():
  from gan_jax.families.gan.losses import classification_loss
  rng = np.random.default_rng(0)
  logits = rng.normal(size=(7, 4)) * 3
  labels = rng.integers(0, 4, 7)
  log_softmax = logits - np.log(np.exp(logits).sum(1, keepdims=True))
  want = -np.mean(log_softmax[np.arange(7), labels])
  np.testing.assert_allclose(classification_loss(jnp.asarray(logits, jnp.float32), jnp.asarray(labels)), want,
                             rtol=1e-5)


def test_ac_weight_must_be_non_negative():
  config = _config()
  config.loss.ac_weight = -0.5
  with pytest.raises(ConfigError, match='loss.ac_weight=-0.5'):
    validate_loss_config(config)
