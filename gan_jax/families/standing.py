"""Standing BatchNorm statistics (BigGAN, compare_gan): the batch statistics a network's BatchNorms compute in
train mode for the weights being sampled (the EMA weights), averaged over batches of prior latents drawn
from a fixed key. Any family whose sampled network has BatchNorm uses them (gan: G; vae: the decoder).

`generator` below is anything with flax's `apply(variables, z, labels, train=..., mutable=...)`.
"""

from typing import Optional

import jax
import jax.numpy as jnp

_STANDING_STREAM = 0x5354414E   # fold_in tag of the standing statistics' latents ('STAN')
_MOMENT_NAMES = ('mean', 'var')  # flax BatchNorm's running statistics in the batch_stats collection


def _is_moment(path) -> bool:
  return getattr(path[-1], 'key', None) in _MOMENT_NAMES


def has_batch_norm(batch_stats) -> bool:
  return any(_is_moment(path) for path, _ in jax.tree_util.tree_leaves_with_path(batch_stats))


def batch_moments(generator, params, batch_stats, z: jax.Array, labels: Optional[jax.Array]):
  """The batch mean and (biased) variance every BatchNorm of G computes in train mode on z [B, latent_dim]
  (labels int32 [B] or None), as a tree shaped like batch_stats (its other leaves, e.g. spectral-norm
  vectors, as they are).

  flax's BatchNorm only exposes them blended into its running averages: new = m * old + (1 - m) * batch.
  That is affine in `old` with slope m, so one forward-mode pass at old = 0 with tangent 1 gives both
  (1 - m) * batch and m, whatever the layer's momentum.
  """
  def updated(old):
    return generator.apply({'params': params, 'batch_stats': old}, z, labels, train=True,
                           mutable=['batch_stats'])[1]['batch_stats']

  blended, slope = jax.jvp(updated, (jax.tree.map(jnp.zeros_like, batch_stats),),
                           (jax.tree.map(jnp.ones_like, batch_stats),))
  return jax.tree_util.tree_map_with_path(lambda path, kept, value, m: value / (1.0 - m) if _is_moment(path)
                                          else kept, batch_stats, blended, slope)


def standing_latents(k: jax.Array, batch_size: int, latent_dim: int, num_classes: int = 0):
  """Batch k of the standing statistics: (z float32 [batch_size, latent_dim] from the prior N(0, 1), drawn
  from a fixed key, and class-balanced labels int32 [batch_size] or None)."""
  key = jax.random.fold_in(jax.random.fold_in(jax.random.PRNGKey(0), _STANDING_STREAM), k)
  z = jax.random.normal(key, (batch_size, latent_dim), jnp.float32)
  labels = ((jnp.arange(batch_size) + k * batch_size) % num_classes).astype(jnp.int32) if num_classes else None
  return z, labels


def add_batch_moments(generator, params, batch_stats, total, k: jax.Array, *, batch_size: int, latent_dim: int,
                      num_classes: int = 0, num_batches: int = 1):
  """One batch of G's standing BatchNorm statistics (BigGAN's / compare_gan's): total (a tree shaped like
  batch_stats; ignored at k = 0) plus `batch_moments` on `standing_latents(k, ...)`, divided by
  num_batches at the last batch. Called for k = 0 .. num_batches - 1 it returns the average of the batches'
  moments (non-moment leaves: batch_stats's), one batch at a time: the memory of one forward pass."""
  z, labels = standing_latents(k, batch_size, latent_dim, num_classes)
  moments = batch_moments(generator, params, batch_stats, z, labels)
  first, last = k == 0, k == num_batches - 1

  def add(path, kept, t, m):
    if not _is_moment(path):
      return kept
    summed = jnp.where(first, m, t + m)
    return jnp.where(last, summed / num_batches, summed)
  return jax.tree_util.tree_map_with_path(add, batch_stats, total, moments)
