"""CycleGAN's loss terms, image pool and learning-rate schedule against hand values and the reference's rules."""

import random

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from gan_jax.core.optimizers import SCHEDULES
from gan_jax.families.cyclegan import objective, pool


def test_cycle_and_identity_losses_equal_hand_values():
  x = jnp.array([[0.0, 1.0], [-1.0, 0.5]])
  rec = jnp.array([[0.5, 1.0], [-0.5, -0.5]])   # |diff| = .5, 0, .5, 1: mean 0.5
  assert float(objective.cycle_loss(x, rec, 10.0)) == pytest.approx(5.0)
  assert float(objective.identity_loss(x, rec, 10.0, 0.5)) == pytest.approx(2.5)   # 10 * 0.5 * 0.5
  assert float(objective.identity_loss(x, rec, 10.0, 0.0)) == 0.0


def test_lsgan_terms_are_the_reference_mse():
  lsgan = objective.ADVERSARIAL.get('least_squares')
  real, fake = jnp.array([1.0, 0.0]), jnp.array([0.5, -1.0])
  # D: 0.5 * (MSE(real, 1) + MSE(fake, 0)) = 0.5 * (0.5 + 0.625); G: MSE(fake, 1) = (0.25 + 4) / 2
  assert float(objective.d_loss(lsgan, real, fake)) == pytest.approx(0.5625)
  assert float(lsgan.g_term(fake)) == pytest.approx(2.125)


def reference_query(pool_images, images, size, draws):
  """A transcription of the reference's ImagePool.query with its random draws (u, slot) given in order."""
  shown = []
  for image in images:
    if len(pool_images) < size:
      pool_images.append(image)
      shown.append(image)
      continue
    u, slot = draws.pop(0)
    if u > 0.5:
      shown.append(pool_images[slot])
      pool_images[slot] = image
    else:
      shown.append(image)
  return np.stack(shown), pool_images


def test_image_pool_follows_the_reference_rule():
  size, steps, batch = 4, 5, 3
  rng = random.Random(0)
  stored, ref_pool = jnp.zeros((size, 2, 2, 1)), []
  count = jnp.zeros((), jnp.int32)
  shown_swapped = 0
  for step in range(steps):
    images = np.random.RandomState(step).normal(size=(batch, 2, 2, 1)).astype(np.float32)
    uniforms = np.array([rng.random() for _ in range(batch)], np.float32)
    slots = np.array([rng.randrange(size) for _ in range(batch)], np.int32)
    filled = len(ref_pool)
    # the reference draws only once the pool is full: pass it the draws of those images
    draws = [(u, s) for k, (u, s) in enumerate(zip(uniforms, slots)) if filled + k >= size]
    want_shown, ref_pool = reference_query(list(ref_pool), images, size, draws)
    shown, stored, count = pool.query_with_draws(stored, count, jnp.asarray(images), jnp.asarray(uniforms),
                                                 jnp.asarray(slots))
    np.testing.assert_array_equal(np.asarray(shown), want_shown)
    np.testing.assert_array_equal(np.asarray(stored)[:len(ref_pool)], np.stack(ref_pool))
    assert int(count) == len(ref_pool)
    shown_swapped += int((np.asarray(shown) != images).any(axis=(1, 2, 3)).sum())
  assert int(count) == size and shown_swapped > 0


def test_image_pool_swaps_about_half_once_full_and_size_zero_passes_through():
  size = 8
  stored = jnp.ones((size, 1, 1, 1))
  fakes = -jnp.arange(1.0, 4001.0).reshape(4000, 1, 1, 1)   # all different
  shown, _, _ = pool.query(stored, jnp.int32(size), fakes, jax.random.PRNGKey(0))
  assert 0.45 < float(jnp.mean(shown != fakes)) < 0.55   # a stored image shown instead with probability 1/2
  empty = jnp.zeros((0, 1, 1, 1))
  same, _, count = pool.query(empty, jnp.int32(0), fakes[:3], jax.random.PRNGKey(0))
  np.testing.assert_array_equal(same, fakes[:3])
  assert int(count) == 0


def test_constant_then_linear_schedule():
  schedule = SCHEDULES.get('constant_then_linear')(2e-4, 10, 0)
  # constant for 5 updates, then 2e-4 * (1 - (t - 5) / 6) as the reference's lambda_rule with n_epochs = 5
  got = [float(schedule(t)) for t in range(10)]
  want = [2e-4] * 6 + [2e-4 * (1 - k / 6) for k in range(1, 5)]
  np.testing.assert_allclose(got, want, rtol=1e-6)


def test_gaussian_blur_is_normalised_and_separable_by_hand():
  flat = jnp.full((1, 9, 9, 2), 0.3)
  np.testing.assert_allclose(objective.gaussian_blur(flat, 1.5), flat, atol=1e-6)   # normalised: a constant stays
  point = jnp.zeros((1, 11, 11, 1)).at[0, 5, 5, 0].set(1.0)
  taps = np.exp(-0.5 * (np.arange(-3, 4) / 1.0) ** 2)   # radius ceil(3 sigma) = 3 at sigma 1
  taps /= taps.sum()
  want = np.zeros((11, 11))
  want[2:9, 2:9] = np.outer(taps, taps)   # the blurred point is the kernel itself
  np.testing.assert_allclose(np.asarray(objective.gaussian_blur(point, 1.0))[0, :, :, 0], want, atol=1e-7)


def test_low_frequency_loss_ignores_a_restyled_stroke_but_not_a_moved_one():
  x = jnp.zeros((1, 16, 16, 1)).at[0, 4:12, 7:9, 0].set(1.0)   # a two-pixel-wide bar
  thinner = jnp.zeros((1, 16, 16, 1)).at[0, 4:12, 7:9, 0].set(0.5).at[0, 4:12, 6:10, 0].add(0.25)  # same ink, spread
  moved = jnp.roll(x, 5, axis=2)
  kept = float(objective.low_frequency_loss(x, thinner, 1.0, 2.0))
  assert kept < 0.2 * float(objective.l1(thinner, x))           # the blur forgives a restyle ...
  assert float(objective.low_frequency_loss(x, moved, 1.0, 2.0)) > 5 * kept   # ... not a move
  want = 3.0 * float(objective.l1(objective.gaussian_blur(moved, 2.0), objective.gaussian_blur(x, 2.0)))
  assert float(objective.low_frequency_loss(x, moved, 3.0, 2.0)) == pytest.approx(want)
