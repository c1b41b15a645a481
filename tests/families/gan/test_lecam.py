"""LeCam regulariser and its EMA anchors (pure functions of gan_jax.families.gan.losses)."""

import jax
import jax.numpy as jnp
import numpy as np

from gan_jax.families.gan.losses import init_lecam_anchors, lecam_anchor_values, lecam_penalty, update_lecam_anchors


def test_anchors_are_debiased_emas_of_the_mean_logits():
  decay, anchors = 0.9, init_lecam_anchors()
  assert lecam_anchor_values(anchors, decay) == (0.0, 0.0)
  real_means, fake_means = [1.0, 3.0, 2.0], [-1.0, 0.5, -2.0]
  ema_r = ema_f = 0.0
  for t, (r, f) in enumerate(zip(real_means, fake_means), start=1):
    anchors = update_lecam_anchors(anchors, jnp.array([r - 1, r + 1]), jnp.array([f, f]), decay)
    ema_r, ema_f = decay * ema_r + (1 - decay) * r, decay * ema_f + (1 - decay) * f
    np.testing.assert_allclose(lecam_anchor_values(anchors, decay),
                               (ema_r / (1 - decay ** t), ema_f / (1 - decay ** t)), rtol=1e-6)
  np.testing.assert_allclose(lecam_anchor_values(update_lecam_anchors(init_lecam_anchors(), jnp.ones(3) * 4,
                                                                      jnp.zeros(3), 0.99), 0.99), (4.0, 0.0),
                             rtol=1e-5)   # after one update the anchor is that batch's mean


def test_penalty_matches_the_reference_formula_and_pulls_logits_together():
  real, fake = jnp.array([2.0, -0.5, 0.3]), jnp.array([-1.0, 0.8])
  alpha_r, alpha_f = jnp.float32(0.5), jnp.float32(-0.2)
  expected = np.mean(np.maximum(np.array(real) - (-0.2), 0) ** 2) + np.mean(np.maximum(0.5 - np.array(fake), 0) ** 2)
  np.testing.assert_allclose(lecam_penalty(real, fake, alpha_r, alpha_f), expected, rtol=1e-6)
  g_real, g_fake = jax.grad(lecam_penalty, argnums=(0, 1))(real, fake, alpha_r, alpha_f)
  assert np.all(np.asarray(g_real) >= 0) and np.all(np.asarray(g_fake) <= 0)
  assert float(g_real[0]) > 0 and float(g_fake[0]) < 0
