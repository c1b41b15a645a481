"""Likelihood bounds of a trained VAE on a data split: the ELBO (analytic KL, one z per image) and the
importance-weighted bound with k samples, in nats per image and bits per dimension; and reconstructions.

Everything runs the VAE in eval mode (running BatchNorm statistics) on the EMA params, so an example's
bound does not depend on which others share its batch. Randomness comes from eval.seed: the same
checkpoint and config give the same numbers.
"""

import functools
import math
from typing import Dict, Optional

import jax
import jax.numpy as jnp
import numpy as np

from gan_jax.core import parallel
from gan_jax.families.vae import objective as vo
from gan_jax.families.vae.step import likelihood_scale


def _per_example_bounds(params, batch_stats, x, labels, key, *, vae, likelihood, fixed_scale, k):
  """-> (elbo [B] with the analytic KL, recon log-lik [B], kl [B], iwae_k [B]) for x [B, ...]."""
  variables = {'params': params, 'batch_stats': batch_stats}
  mean, log_var = vae.apply(variables, x, labels, train=False, method='encode')
  scale = likelihood_scale(params, fixed_scale)
  x01 = vo.to_unit(x)
  elbo_key, iwae_key = jax.random.split(key)
  z = vo.reparameterize(mean, log_var, jax.random.normal(elbo_key, mean.shape))
  log_lik = likelihood.log_prob(x01, vae.apply(variables, z, labels, train=False, method='decode'), scale)
  kl = vo.gaussian_kl(mean, log_var)
  # k posterior samples per example, decoded as one [k * B] batch.
  zs = vo.reparameterize(mean, log_var, jax.random.normal(iwae_key, (k, *mean.shape)))
  rep = lambda a: None if a is None else jnp.broadcast_to(a, (k, *a.shape)).reshape(k * a.shape[0], *a.shape[1:])
  outs = vae.apply(variables, zs.reshape(-1, zs.shape[-1]), rep(labels), train=False, method='decode')
  log_liks = likelihood.log_prob(rep(x01), outs, scale).reshape(k, -1)
  iwae = vo.iwae_bound(vo.log_weights(log_liks, zs, mean, log_var))
  return log_lik - kl, log_lik, kl, iwae


class BoundEvaluator:
  """bounds(params, batch_stats, images, labels) -> {neg_elbo, bits_per_dim, recon_nll, kl, neg_iwae,
  iwae_bits_per_dim, iwae_samples}: means over the images (nats per image unless *_per_dim)."""

  def __init__(self, vae, likelihood, fixed_scale: float, k: int, chunk: int, seed: int, mesh):
    self.k, self.seed, self.mesh = k, seed, mesh
    self.chunk = max(1, chunk // k)   # k decoder passes per image: keep k * chunk near eval.batch_size
    fn = functools.partial(_per_example_bounds, vae=vae, likelihood=likelihood, fixed_scale=fixed_scale, k=k)
    replicated = parallel.replicated(mesh)
    self._fn = jax.jit(fn, in_shardings=(replicated,) * 5, out_shardings=replicated)

  def __call__(self, params, batch_stats, images: np.ndarray, labels: Optional[np.ndarray]) -> Dict[str, float]:
    parts = []
    for i, start in enumerate(range(0, len(images), self.chunk)):
      x = images[start:start + self.chunk]
      real = len(x)
      args = [_pad(x, self.chunk), None if labels is None else _pad(labels[start:start + real], self.chunk).astype(np.int32),
              np.asarray(jax.random.fold_in(jax.random.PRNGKey(self.seed), i))]
      args = [None if a is None else parallel.replicate(a, self.mesh) for a in args]
      out = jax.device_get(self._fn(params, batch_stats, *args))
      parts.append([np.asarray(o)[:real] for o in out])   # the padding is dropped
    elbo, log_lik, kl, iwae = (np.concatenate(p).astype(np.float64) for p in zip(*parts))
    dims = int(np.prod(images.shape[1:]))
    return {'neg_elbo': float(-elbo.mean()), 'bits_per_dim': float(vo.bits_per_dim(-elbo.mean(), dims)),
            'recon_nll': float(-log_lik.mean()), 'kl': float(kl.mean()), 'neg_iwae': float(-iwae.mean()),
            'iwae_bits_per_dim': float(vo.bits_per_dim(-iwae.mean(), dims)), 'iwae_samples': float(self.k)}


def _pad(a: np.ndarray, size: int) -> np.ndarray:
  """One compiled shape for every chunk: the last chunk is padded with copies of its last row."""
  return np.concatenate([a, np.repeat(a[-1:], size - len(a), 0)]) if len(a) < size else a


def reconstruct(vae, likelihood, variables, images, labels):
  """Posterior-mean reconstructions of `images`, [-1, 1] (eval mode, z = the posterior mean)."""
  mean, _ = vae.apply(variables, images, labels, train=False, method='encode')
  return vo.from_unit(likelihood.mean(vae.apply(variables, mean, labels, train=False, method='decode')))


def reconstruction_rows(inputs: np.ndarray, recons: np.ndarray, cols: int) -> np.ndarray:
  """[N, ...] inputs and reconstructions -> [2 * N', ...] laid out as rows of `cols`: an input row, its
  reconstruction row, the next input row, ... (N' = N rounded down to whole rows, at least one row)."""
  cols = max(1, min(cols, len(inputs)))
  rows = max(1, len(inputs) // cols)
  n = rows * cols
  pairs = np.stack([inputs[:n].reshape(rows, cols, *inputs.shape[1:]),
                    recons[:n].reshape(rows, cols, *recons.shape[1:])], 1)
  return pairs.reshape(2 * n, *inputs.shape[1:])


def grid_columns(count: int) -> int:
  return max(1, int(math.ceil(math.sqrt(count))))
