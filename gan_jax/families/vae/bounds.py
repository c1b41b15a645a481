"""Likelihood bounds of a trained VAE on a data split: the ELBO (analytic KL, one z per image) and the
importance-weighted bound with k samples, in nats per image and bits per dimension; and reconstructions.

The bounds are on the likelihood's discrete data (gan_jax/families/vae/objective.py): binarised images
(Bernoulli; keys end in `_binarized`, bits per binary pixel) or the 8-bit images themselves through uniform
dequantisation (Gaussian; bits per 8-bit value). Everything runs the VAE in eval mode (running BatchNorm
statistics) on the EMA params, so an example's bound does not depend on which others share its batch.
Randomness comes from eval.seed: image i's binarisation or dequantisation noise from fold_in(key, i), the
same for every checkpoint, chunk size and k; posterior draws per chunk. The same checkpoint and config give
the same numbers.
"""

import functools
import math
from typing import Dict, Optional

import jax
import jax.numpy as jnp
import numpy as np

from gan_jax.core import parallel
from gan_jax.families.vae import objective as vo
from gan_jax.families.vae.step import likelihood_scale, model_input


def discretize_split(likelihood, images, index, data_key):
  """images [B, ...] in [-1, 1] with their int32 split indices [B] -> the likelihood's data, image i's noise
  from fold_in(data_key, i)."""
  noise = jax.vmap(lambda i: jax.random.uniform(jax.random.fold_in(data_key, i), images.shape[1:]))(index)
  return likelihood.discretize(images, noise)


def _per_example_bounds(params, batch_stats, x, labels, index, key, data_key, *, vae, likelihood, fixed_scale, k):
  """-> (elbo [B] with the analytic KL, recon log-lik [B], kl [B], iwae_k [B]) for x [B, ...] (split
  indices `index` [B]): bounds on log P of the likelihood's discrete data."""
  variables = {'params': params, 'batch_stats': batch_stats}
  data = discretize_split(likelihood, x, index, data_key)
  mean, log_var = vae.apply(variables, model_input(data), labels, train=False, method='encode')
  scale = likelihood_scale(params, fixed_scale)
  elbo_key, iwae_key = jax.random.split(key)
  z = vo.reparameterize(mean, log_var, jax.random.normal(elbo_key, mean.shape))
  log_lik = likelihood.log_prob(data, vae.apply(variables, z, labels, train=False, method='decode'), scale)
  kl = vo.gaussian_kl(mean, log_var)
  # k posterior samples per example, decoded as one [k * B] batch.
  zs = vo.reparameterize(mean, log_var, jax.random.normal(iwae_key, (k, *mean.shape)))
  rep = lambda a: None if a is None else jnp.broadcast_to(a, (k, *a.shape)).reshape(k * a.shape[0], *a.shape[1:])
  outs = vae.apply(variables, zs.reshape(-1, zs.shape[-1]), rep(labels), train=False, method='decode')
  log_liks = likelihood.log_prob(rep(data), outs, scale).reshape(k, -1)
  iwae = vo.iwae_bound(vo.log_weights(log_liks, zs, mean, log_var))
  return log_lik - kl, log_lik, kl, iwae


def result_keys(suffix: str):
  """The names of BoundEvaluator's results for a likelihood's suffix: bounds carry it, kl and k do not."""
  return (f'neg_elbo{suffix}', f'bits_per_dim{suffix}', f'recon_nll{suffix}', 'kl', f'neg_iwae{suffix}',
          f'iwae_bits_per_dim{suffix}', 'iwae_samples')


def eval_keys(seed: int):
  """(posterior key, data key) of eval.seed: the bounds' z draws, and the per-image discretisation noise."""
  return jax.random.split(jax.random.PRNGKey(seed))


class BoundEvaluator:
  """bounds(params, batch_stats, images, labels) -> {neg_elbo, bits_per_dim, recon_nll, kl, neg_iwae,
  iwae_bits_per_dim, iwae_samples} (bound names + likelihood.suffix, `result_keys`): means over the images
  (nats per image unless *_per_dim)."""

  def __init__(self, vae, likelihood, fixed_scale: float, k: int, chunk: int, seed: int, mesh):
    self.k, self.seed, self.mesh = k, seed, mesh
    self.keys = result_keys(likelihood.suffix)
    self.chunk = max(1, chunk // k)   # k decoder passes per image: keep k * chunk near eval.batch_size
    fn = functools.partial(_per_example_bounds, vae=vae, likelihood=likelihood, fixed_scale=fixed_scale, k=k)
    replicated = parallel.replicated(mesh)
    self._fn = jax.jit(fn, in_shardings=(replicated,) * 7, out_shardings=replicated)

  def __call__(self, params, batch_stats, images: np.ndarray, labels: Optional[np.ndarray]) -> Dict[str, float]:
    parts = []
    posterior_key, data_key = eval_keys(self.seed)
    for i, start in enumerate(range(0, len(images), self.chunk)):
      x = images[start:start + self.chunk]
      real = len(x)
      args = [_pad(x, self.chunk),
              None if labels is None else _pad(labels[start:start + real], self.chunk).astype(np.int32),
              _pad(np.arange(start, start + real, dtype=np.int32), self.chunk),
              np.asarray(jax.random.fold_in(posterior_key, i)), np.asarray(data_key)]
      args = [None if a is None else parallel.replicate(a, self.mesh) for a in args]
      out = jax.device_get(self._fn(params, batch_stats, *args))
      parts.append([np.asarray(o)[:real] for o in out])   # the padding is dropped
    elbo, log_lik, kl, iwae = (np.concatenate(p).astype(np.float64) for p in zip(*parts))
    dims = int(np.prod(images.shape[1:]))
    values = (-elbo.mean(), vo.bits_per_dim(-elbo.mean(), dims), -log_lik.mean(), kl.mean(), -iwae.mean(),
              vo.bits_per_dim(-iwae.mean(), dims), self.k)
    return {key: float(value) for key, value in zip(self.keys, values)}


def _pad(a: np.ndarray, size: int) -> np.ndarray:
  """One compiled shape for every chunk: the last chunk is padded with copies of its last row."""
  return np.concatenate([a, np.repeat(a[-1:], size - len(a), 0)]) if len(a) < size else a


def reconstruct(vae, likelihood, variables, images, labels, data_key):
  """(the likelihood's data of `images` as [-1, 1] images (image i's noise from fold_in(data_key, i)),
  posterior-mean reconstructions in [-1, 1]) (eval mode, z = the posterior mean)."""
  data = model_input(discretize_split(likelihood, images, jnp.arange(images.shape[0], dtype=jnp.int32), data_key))
  mean, _ = vae.apply(variables, data, labels, train=False, method='encode')
  return data, vo.from_unit(likelihood.mean(vae.apply(variables, mean, labels, train=False, method='decode')))


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
