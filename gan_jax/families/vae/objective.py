"""The VAE's objective as pure functions: likelihoods, the Gaussian KL, the ELBO, the importance-weighted
bound (IWAE, Burda et al. 2016), and the unit conversions (nats per image, bits per dimension).

Pixels: the data stage gives images in [-1, 1]; likelihoods are densities of x01 = (x + 1) / 2 in
[0, 1]. `LIKELIHOODS` (config `model.vae_likelihood`):
  bernoulli: x01 ~ Bernoulli(sigmoid(out)) per pixel (the continuous Bernoulli's unnormalised form for
             non-binary pixels, as in flax's examples/vae); mean image sigmoid(out).
  gaussian:  x01 ~ N(sigmoid(out), scale^2) per pixel, scale fixed (model.vae_scale) or learned.
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


class Likelihood(NamedTuple):
  log_prob: Callable[[Array, Array, Optional[Array]], Array]   # (x01 [B, ...], out [B, ...], scale) -> [B]
  mean: Callable[[Array], Array]                                # out -> mean of x01, in [0, 1]


def _sum_per_example(values: Array) -> Array:
  return jnp.sum(values.reshape(values.shape[0], -1), axis=1)


def bernoulli_log_prob(x01: Array, logits: Array, scale: Optional[Array] = None) -> Array:
  del scale
  return -_sum_per_example(optax.sigmoid_binary_cross_entropy(logits, x01))


def gaussian_log_prob(x01: Array, out: Array, scale: Array) -> Array:
  mean = jax.nn.sigmoid(out)
  scale = jnp.asarray(scale, jnp.float32)
  return _sum_per_example(-0.5 * jnp.square((x01 - mean) / scale) - jnp.log(scale) - 0.5 * LOG_2PI)


LIKELIHOODS = Registry('VAE likelihood', 'model.vae_likelihood')
LIKELIHOODS.register('bernoulli')(Likelihood(bernoulli_log_prob, jax.nn.sigmoid))
LIKELIHOODS.register('gaussian')(Likelihood(gaussian_log_prob, jax.nn.sigmoid))


def to_unit(images: Array) -> Array:
  """[-1, 1] images -> [0, 1] (what the likelihoods model)."""
  return (images + 1.0) * 0.5


def from_unit(images01: Array) -> Array:
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
