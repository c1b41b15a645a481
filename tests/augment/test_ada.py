"""ADA's pipeline: identity at p = 0, exact pixel-blitting ops, the probability of each op, grey images;
and the p controller against a hand computation."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from gan_jax.augment import ada, adaptive


def _images(shape, seed=0):
  return jax.random.uniform(jax.random.PRNGKey(seed), shape, minval=-1, maxval=1)


@pytest.mark.parametrize('channels', [1, 3])
def test_p_zero_is_the_identity_bit_for_bit(channels):
  x = _images((16, 16, 16, channels))
  augment = jax.jit(ada.ada_augment)
  for seed in range(3):
    np.testing.assert_array_equal(augment(x, jax.random.PRNGKey(seed), 0.0), x)


@pytest.mark.parametrize('channels', [1, 3])
def test_p_one_changes_every_image_keeps_shape_dtype_and_is_deterministic(channels):
  x = _images((8, 16, 16, channels))
  y = jax.jit(ada.ada_augment)(x, jax.random.PRNGKey(1), 1.0)
  assert y.shape == x.shape and y.dtype == x.dtype
  assert all(not np.array_equal(y[b], x[b]) for b in range(8))
  np.testing.assert_array_equal(y, jax.jit(ada.ada_augment)(x, jax.random.PRNGKey(1), 1.0))


def test_resample_blits_flips_rotations_and_integer_shifts_exactly():
  x = np.asarray(_images((1, 8, 8, 2)))
  one = lambda m: m[:1]
  flip = ada.resample(jnp.asarray(x), one(ada.scale2d(jnp.array([-1.0]), 1.0)))
  np.testing.assert_array_equal(flip, x[:, :, ::-1])
  rot = ada.resample(jnp.asarray(x), ada.rotate2d_cs(jnp.array([0.0]), jnp.array([1.0])))
  np.testing.assert_array_equal(rot, np.rot90(x, k=1, axes=(1, 2)))
  # Output pixel j reads input j - 3: reflected ('reflect' mode, no repeated edge) beyond the border.
  shift = ada.resample(jnp.asarray(x), ada.translate2d(jnp.array([-3.0]), jnp.array([0.0])))
  np.testing.assert_array_equal(shift, np.pad(x, ((0, 0), (0, 0), (3, 0), (0, 0)), mode='reflect')[:, :, :8])


def test_resample_is_bilinear_between_pixels():
  x = np.asarray(_images((1, 6, 6, 1)))
  half = ada.resample(jnp.asarray(x), ada.translate2d(jnp.array([0.5]), jnp.array([0.0])))
  np.testing.assert_allclose(half[0, :, :5], (x[0, :, :5] + x[0, :, 1:]) / 2, atol=1e-6)
  np.testing.assert_allclose(half[0, :, 5], x[0, :, 5] * 0.5 + x[0, :, 4] * 0.5, atol=1e-6)   # reflected


@pytest.mark.parametrize('op, applied_fraction', [('brightness', 0.3), ('xint', 0.3), ('rotate', 0.3)])
def test_each_op_is_applied_with_probability_p(op, applied_fraction):
  x = _images((2000, 8, 8, 1))
  y = jax.jit(ada.ada_augment, static_argnums=3)(x, jax.random.PRNGKey(2), 0.3, (op,))
  changed = np.mean([not np.array_equal(a, b) for a, b in zip(np.asarray(y), np.asarray(x))])
  # On 8x8 images xint's shift rounds to 0 on both axes (|U(-1, 1)| < 0.5) with probability 1/4.
  expected = applied_fraction * 0.75 if op == 'xint' else applied_fraction
  assert abs(changed - expected) < 0.04, (changed, expected)


def test_luma_flip_of_a_grey_image_negates_it():
  x = _images((64, 8, 8, 1))
  y = np.asarray(jax.jit(ada.ada_augment, static_argnums=3)(x, jax.random.PRNGKey(3), 1.0, ("lumaflip",)))
  flipped = np.array([np.allclose(a, -b, atol=1e-6) for a, b in zip(y, np.asarray(x))])
  same = np.array([np.array_equal(a, b) for a, b in zip(y, np.asarray(x))])
  assert np.all(flipped | same) and 10 < flipped.sum() < 54


def test_hue_and_saturation_keep_the_luma_of_rgb():
  x = _images((32, 8, 8, 3))
  y = np.asarray(jax.jit(ada.ada_augment, static_argnums=3)(x, jax.random.PRNGKey(4), 1.0, ("hue", "saturation")))
  np.testing.assert_allclose(y.mean(-1), np.asarray(x).mean(-1), atol=1e-5)   # rotation/scaling about luma
  assert not np.allclose(y, x)


# ------------------------------------------------------------------ the p controller
def test_p_update_equals_a_hand_computation():
  target, interval, batch, kimg = 0.6, 2, 4, 0.01          # one adjustment moves p by 4*2/10 = 0.8
  step_size = batch * interval / (kimg * 1000)
  logits = [np.array([1., 2., -1., 3.]), np.array([1., 1., 1., 1.]),      # signs mean 0.75 > 0.6: up
            np.array([-1., -2., 1., -3.]), np.array([1., -1., -1., 0.]),  # mean -0.5: down
            np.array([-1., -1., -1., -1.]), np.array([-1., -1., -1., 1.])]  # mean -0.75: down, clipped at 0
  state = adaptive.init_ada_state(0.1)
  p, expected = 0.1, []
  for step, lg in enumerate(logits):
    state = adaptive.accumulate_signs(state, jnp.asarray(lg))
    state = jax.jit(adaptive.adjust_p, static_argnames=('target', 'interval', 'batch_size', 'kimg'))(
        state, jnp.int32(step), target=target, interval=interval, batch_size=batch, kimg=kimg)
    if (step + 1) % interval == 0:
      r_t = np.mean(np.sign(np.concatenate(logits[step + 1 - interval:step + 1])))
      p = max(0.0, p + math.copysign(step_size, r_t - target))
      expected.append((p, r_t))
      np.testing.assert_allclose([state['p'], state['r_t']], [p, r_t], rtol=1e-6)
      assert int(state['sign_count']) == 0 and float(state['sign_sum']) == 0
    else:
      assert int(state['sign_count']) == 4 * ((step + 1) % interval)
  assert [round(e[0], 6) for e in expected] == [0.9, 0.1, 0.0]


def test_p_stays_put_when_not_adaptive():
  state = adaptive.accumulate_signs(adaptive.init_ada_state(0.25), jnp.ones(8))
  state = adaptive.adjust_p(state, jnp.int32(3), target=0.6, interval=4, batch_size=8, kimg=1, adaptive=False)
  assert float(state['p']) == 0.25 and float(state['r_t']) == 1.0
