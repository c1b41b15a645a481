"""CycleGAN's loss terms as the reference's (models/cycle_gan_model.py), each a pure function.

  G: adv(D_b(G(a))) + adv(D_a(F(b)))                                    (GAN terms, `ADVERSARIAL`)
     + cycle_weight * (|F(G(a)) - a|_1 + |G(F(b)) - b|_1)                 (cycle consistency, mean L1)
     + cycle_weight * identity_weight * (|G(b) - b|_1 + |F(a) - a|_1)   (identity)
  D_b: 0.5 * (real term + fake term) on real b and pooled G(a); D_a the same on real a and pooled F(b).

ADVERSARIAL (loss.name): 'least_squares' = the reference's LSGAN (gan_mode 'lsgan': MSE to 1 for real / 0 for
fake, G: MSE(D(G(a)), 1)); 'non_saturating' = its 'vanilla' (BCE with logits). Each entry gives D's term
(real_logits, fake_logits) -> the sum of the real and fake terms, and G's term (fake_logits).
"""

from typing import Callable, NamedTuple

import jax
import jax.numpy as jnp

from gan_jax.core.registry import Registry


class Adversarial(NamedTuple):
  d_terms: Callable[[jax.Array, jax.Array], jax.Array]   # real term + fake term (D's loss is half of it)
  g_term: Callable[[jax.Array], jax.Array]


ADVERSARIAL = Registry('cyclegan adversarial loss', 'loss.name')
ADVERSARIAL.register('least_squares')(Adversarial(
    d_terms=lambda real, fake: jnp.mean(jnp.square(real - 1.0)) + jnp.mean(jnp.square(fake)),
    g_term=lambda fake: jnp.mean(jnp.square(fake - 1.0))))
ADVERSARIAL.register('non_saturating')(Adversarial(
    d_terms=lambda real, fake: jnp.mean(jax.nn.softplus(-real)) + jnp.mean(jax.nn.softplus(fake)),
    g_term=lambda fake: jnp.mean(jax.nn.softplus(-fake))))


def l1(x: jax.Array, y: jax.Array) -> jax.Array:
  """Mean absolute difference (PyTorch's L1Loss, reduction 'mean')."""
  return jnp.mean(jnp.abs(x.astype(jnp.float32) - y.astype(jnp.float32)))


def d_loss(adversarial: Adversarial, real_logits: jax.Array, fake_logits: jax.Array) -> jax.Array:
  """One discriminator's loss: (real term + fake term) / 2, as the reference's backward_D_basic."""
  return 0.5 * adversarial.d_terms(real_logits, fake_logits)


def cycle_loss(x: jax.Array, reconstruction: jax.Array, cycle_weight: float) -> jax.Array:
  """cycle_weight * mean |F(G(x)) - x|."""
  return cycle_weight * l1(reconstruction, x)


def identity_loss(y: jax.Array, mapped: jax.Array, cycle_weight: float, identity_weight: float) -> jax.Array:
  """cycle_weight * identity_weight * mean |G(y) - y| for y of G's target domain (0 when identity_weight is 0)."""
  return cycle_weight * identity_weight * l1(mapped, y)


def gaussian_blur(x: jax.Array, sigma: float) -> jax.Array:
  """x [N, H, W, C] blurred by a normalised Gaussian of std `sigma` pixels (separable, radius ceil(3 sigma),
  reflect padding as the generators'), each channel alone: the low-frequency part of x."""
  radius = max(1, int(-(-3.0 * sigma // 1)))
  taps = jnp.exp(-0.5 * jnp.square(jnp.arange(-radius, radius + 1, dtype=jnp.float32) / sigma))
  taps = taps / jnp.sum(taps)
  x = jnp.pad(x.astype(jnp.float32), ((0, 0), (radius, radius), (radius, radius), (0, 0)), mode='reflect')
  window = 2 * radius + 1
  x = sum(taps[i] * x[:, i:i + x.shape[1] - window + 1] for i in range(window))
  return sum(taps[i] * x[:, :, i:i + x.shape[2] - window + 1] for i in range(window))


def low_frequency_loss(x: jax.Array, translated: jax.Array, weight: float, sigma: float) -> jax.Array:
  """weight * mean |blur(G(x)) - blur(x)| (FDIT's pixel-space low-frequency loss, Cai et al. ICCV 2021): G may
  restyle strokes (high frequencies) but keeps where the ink is, which is what carries a digit's label."""
  return weight * l1(gaussian_blur(translated, sigma), gaussian_blur(x, sigma))
