"""The VAE's objective as pure functions: likelihoods of discrete pixel data, the Gaussian KL, the ELBO, the
importance-weighted bound (IWAE, Burda et al. 2016), and the unit conversions (nats per image, bits per dimension).

Pixels: the data stage gives images in [-1, 1] that are 8-bit values u in {0, ..., 255} (x = u / 127.5 - 1;
VAEs refuse data.standardize). A likelihood models discrete data, so that its ELBO and IWAE are lower bounds on
a log-probability (<= 0 nats): each `LIKELIHOODS` entry (config `vae.likelihood`) first turns x into the data
it models with uniform noise, then scores that data.
  bernoulli: binary pixels b ~ Bernoulli(u / 255), a fresh draw per training step ("dynamic binarisation",
             Burda et al. 2016) and one fixed draw per evaluated image; b ~ Bernoulli(sigmoid(out)). The
             bounds are on the binarised images (result keys end in `_binarized`); already binary data
             (binarized_mnist) stays as it is.
  gaussian:  the 8-bit pixels, uniformly dequantised: y = (u + v) / 256, v ~ U[0, 1), and y ~ N(sigmoid(out),
             scale^2) per pixel, scale fixed (vae.scale) or learned. The log-density of y plus log(1/256) per
             dimension (the volume of a pixel's bin) bounds log P(u) from below (Theis et al. 2016), so bits
             per dimension are per 8-bit value and never below 0.
Every per-example quantity is summed over pixels / latent dimensions: float32 [B].
"""

import math
from typing import Callable, NamedTuple, Optional

import jax
import jax.numpy as jnp
import optax

from gan_jax.core.registry import Registry

Array = jax.Array
LOG_2PI = math.log(2 * math.pi)


LEVELS = 256   # every source is 8-bit (gan_jax.data.preprocess.to_unit_range)


class Likelihood(NamedTuple):
  """p(data | z) for one kind of pixel data; `discretize` says which data that is."""
  # (x [-1, 1], noise U[0, 1) of x's shape) -> the modelled data in [0, 1]: binary, or dequantised 8-bit.
  discretize: Callable[[Array, Array], Array]
  # (data [B, ...], out [B, ...], scale) -> [B]: log P(data | z) of the discrete pixels (a mass, or a density
  # times the bins' volume: in expectation over the noise a lower bound on the mass).
  log_prob: Callable[[Array, Array, Optional[Array]], Array]
  mean: Callable[[Array], Array]   # out -> the mean of the data, in [0, 1]
  suffix: str                      # ends the result keys of the bounds: which data they bound


def _sum_per_example(values: Array) -> Array:
  return jnp.sum(values.reshape(values.shape[0], -1), axis=1)


def pixel_levels(images: Array) -> Array:
  """[-1, 1] images of 8-bit pixels -> their values u in {0, ..., 255}, float32."""
  return jnp.clip(jnp.round((images + 1.0) * (LEVELS - 1) / 2), 0, LEVELS - 1)


def binarize(images: Array, noise: Array) -> Array:
  """Bernoulli(u / 255) pixels from uniform noise: {0, 1}; exact for pixels already 0 or 255."""
  return (noise < pixel_levels(images) / (LEVELS - 1)).astype(jnp.float32)


def dequantize(images: Array, noise: Array) -> Array:
  """(u + noise) / 256: each 8-bit value spread uniformly over its bin [u / 256, (u + 1) / 256)."""
  return (pixel_levels(images) + noise) / LEVELS


def bernoulli_log_prob(x01: Array, logits: Array, scale: Optional[Array] = None) -> Array:
  """log Bernoulli(x01; sigmoid(logits)) summed per example; a log-probability for x01 in {0, 1} only."""
  del scale
  return -_sum_per_example(optax.sigmoid_binary_cross_entropy(logits, x01))


def gaussian_log_prob(x01: Array, out: Array, scale: Array) -> Array:
  """log N(x01; sigmoid(out), scale^2) summed per example: a log-density."""
  mean = jax.nn.sigmoid(out)
  scale = jnp.asarray(scale, jnp.float32)
  return _sum_per_example(-0.5 * jnp.square((x01 - mean) / scale) - jnp.log(scale) - 0.5 * LOG_2PI)


def dequantized_gaussian_log_prob(y: Array, out: Array, scale: Array) -> Array:
  """gaussian_log_prob of dequantised pixels plus the log-volume of their bins, log(1 / 256) per dimension."""
  return gaussian_log_prob(y, out, scale) - math.log(LEVELS) * math.prod(y.shape[1:])


LIKELIHOODS = Registry('VAE likelihood', 'vae.likelihood')
LIKELIHOODS.register('bernoulli')(Likelihood(binarize, bernoulli_log_prob, jax.nn.sigmoid, '_binarized'))
LIKELIHOODS.register('gaussian')(Likelihood(dequantize, dequantized_gaussian_log_prob, jax.nn.sigmoid, ''))


def from_unit(images01: Array) -> Array:
  """[0, 1] (a likelihood's data or mean) -> [-1, 1] images."""
  return images01 * 2.0 - 1.0


def gaussian_kl(mean: Array, log_var: Array) -> Array:
  """KL(N(mean, exp(log_var)) || N(0, I)) per example, analytic: [B]."""
  return 0.5 * jnp.sum(jnp.square(mean) + jnp.exp(log_var) - 1.0 - log_var, axis=-1)


def log_normal(z: Array, mean: Array, log_var: Array) -> Array:
  """log N(z; mean, exp(log_var)) summed over the last axis."""
  return -0.5 * jnp.sum(LOG_2PI + log_var + jnp.square(z - mean) * jnp.exp(-log_var), axis=-1)


def reparameterize(mean: Array, log_var: Array, eps: Array) -> Array:
  return mean + jnp.exp(0.5 * log_var) * eps


def log_weights(log_lik: Array, z: Array, mean: Array, log_var: Array) -> Array:
  """Importance log-weights log p(x|z) + log p(z) - log q(z|x) for z ~ q; shapes broadcast over [..., B]."""
  return log_lik + log_normal(z, 0.0, jnp.zeros_like(z)) - log_normal(z, mean, log_var)


def iwae_bound(log_w: Array) -> Array:
  """[k, B] log-weights -> [B] log (1/k) sum_i w_i, a lower bound on log p(x) (k=1: the ELBO estimate
  with a Monte-Carlo KL)."""
  return jax.scipy.special.logsumexp(log_w, axis=0) - jnp.log(log_w.shape[0])


def kl_weight(step: Array, beta: float, warmup_steps: int) -> Array:
  """beta, ramped linearly from 0 over the first `warmup_steps` steps (0 = no ramp)."""
  if warmup_steps <= 0:
    return jnp.asarray(beta, jnp.float32)
  return beta * jnp.minimum(1.0, jnp.asarray(step, jnp.float32) / warmup_steps)


def bits_per_dim(nats_per_image, dims: int):
  """Negative log-likelihood in nats per image -> bits per dimension (pixel and channel)."""
  return nats_per_image / (dims * math.log(2.0))
