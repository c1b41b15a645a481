"""The GAN family's sampler: G in eval mode on the EMA weights with their own BatchNorm statistics, jitted
once, in chunks.

Why standing statistics: G's running BatchNorm statistics average the batch statistics of the *raw* weights
over training; the EMA weights are a different network whose activations have other means and variances
(BigGAN, compare_gan). `standing_stats` recomputes them for the weights being sampled, as those references
do: G in train mode on `ema.standing_batches` batches of train.batch_size prior latents, the batch means and
variances of every BatchNorm averaged over the batches. They are a function of the EMA weights alone (the
latents come from a fixed key), so the same state gives the same samples, before and after a resume, and
nothing is added to the train state or the checkpoints.
"""

import functools
import math
from typing import Optional

import jax
import jax.numpy as jnp
import numpy as np

from gan_jax.core import parallel
from gan_jax.families.latents import SampleFn, balanced_labels, draw_latents
from gan_jax.families.standing import add_batch_moments, has_batch_norm

class Sampler:
  """G in eval mode (train=False) on the EMA params, with the EMA weights' standing BatchNorm statistics
  (`standing_stats` over standing_batches batches of standing_batch_size; standing_batches=0: the raw G's
  running statistics, state.g_batch_stats).

  Latents for chunk i of seed s come from fold_in(PRNGKey(s), i): the same seed gives the same samples
  whatever the device count. One compilation, for chunks of `chunk_size`. num_classes > 0: a conditional
  generator, given the labels of each chunk (padded with zeros to chunk_size).
  """

  def __init__(self, generator, latent_dim: int, mesh, chunk_size: int, num_classes: int = 0,
               truncation: float = 0.0, temperature: float = 1.0, standing_batches: int = 0,
               standing_batch_size: int = 64):
    self.mesh, self.chunk_size, self.num_classes = mesh, chunk_size, int(num_classes)
    self.standing_batches = int(standing_batches)

    def sample(params, batch_stats, seed_and_chunk, labels):
      key = jax.random.fold_in(jax.random.PRNGKey(seed_and_chunk[0]), seed_and_chunk[1])
      z = draw_latents(key, (chunk_size, latent_dim), truncation, temperature)
      labels = labels if self.num_classes else None
      return generator.apply({'params': params, 'batch_stats': batch_stats}, z, labels,
                             train=False).astype(jnp.float32)

    def decode(params, batch_stats, z, labels):
      labels = labels if self.num_classes else None
      return generator.apply({'params': params, 'batch_stats': batch_stats}, z, labels,
                             train=False).astype(jnp.float32)

    replicated = parallel.replicated(mesh)
    self._add_moments = jax.jit(
        functools.partial(add_batch_moments, generator, batch_size=int(standing_batch_size), latent_dim=latent_dim,
                          num_classes=self.num_classes, num_batches=max(1, self.standing_batches)),
        in_shardings=(replicated,) * 4, out_shardings=replicated)
    self._sample = jax.jit(sample, in_shardings=(replicated,) * 4, out_shardings=replicated)
    self._decode = jax.jit(decode, in_shardings=(replicated,) * 4, out_shardings=replicated)

  def check_labels(self, num: int, labels: Optional[np.ndarray]) -> np.ndarray:
    """The int32 [num] labels a sample_fn call will use (ValueError for a request that cannot be met)."""
    if not self.num_classes:
      if labels is not None:
        raise ValueError('this generator is unconditional: labels must be None')
      return np.zeros(num, np.int32)
    if labels is None:
      return balanced_labels(num, self.num_classes)
    labels = np.asarray(labels)
    if labels.shape != (num,) or not np.issubdtype(labels.dtype, np.integer):
      raise ValueError(f'labels must be an int array [{num}], got {labels.dtype} {labels.shape}')
    if labels.size and (labels.min() < 0 or labels.max() >= self.num_classes):
      raise ValueError(f'labels must be in [0, {self.num_classes}), got {labels.min()}..{labels.max()}')
    return labels.astype(np.int32)

  def batch_stats(self, state):
    """The BatchNorm statistics G samples with: standing statistics of state.ema_params, or
    state.g_batch_stats when standing_batches is 0 (replicated over the mesh)."""
    if not self.standing_batches or not has_batch_norm(state.g_batch_stats):
      return state.g_batch_stats
    total = state.g_batch_stats   # only its shapes matter: batch 0 overwrites it
    for k in range(self.standing_batches):
      total = self._add_moments(state.ema_params, state.g_batch_stats, total,
                                parallel.replicate(np.int32(k), self.mesh))
    return total

  def sample_fn(self, state) -> SampleFn:
    """sample_fn(num, seed, labels=None) -> np.float32 [num, *example_shape] from state.ema_params, with
    `batch_stats(state)` (computed once here, for every call of the returned function).

    Conditional generators: labels=None means class-balanced `balanced_labels(num, num_classes)`, else an
    int array [num] in [0, num_classes). Unconditional ones accept labels=None only. The latents do not
    depend on the labels. Every process must call it (the computation is collective); each gets the full
    array.
    """

    batch_stats = self.batch_stats(state)

    def sample_fn(num: int, seed: int, labels: Optional[np.ndarray] = None) -> np.ndarray:
      labels = self.check_labels(num, labels)
      chunks = []
      for chunk in range(math.ceil(num / self.chunk_size)):
        ids = parallel.replicate(np.array([seed, chunk], np.int32), self.mesh)
        part = np.zeros(self.chunk_size, np.int32)
        piece = labels[chunk * self.chunk_size:(chunk + 1) * self.chunk_size]
        part[:len(piece)] = piece
        out = self._sample(state.ema_params, batch_stats, ids, parallel.replicate(part, self.mesh))
        chunks.append(np.asarray(jax.device_get(out)))
      return np.concatenate(chunks)[:num]

    def decode(z: np.ndarray, labels: Optional[np.ndarray] = None) -> np.ndarray:
      """G at the given latents z [N, latent_dim] (labels [N] for a conditional G): float32 [N, ...]."""
      labels = self.check_labels(len(z), labels)
      out = self._decode(state.ema_params, batch_stats, parallel.replicate(np.asarray(z, np.float32), self.mesh),
                         parallel.replicate(labels, self.mesh))
      return np.asarray(jax.device_get(out))

    sample_fn.decode = decode
    return sample_fn
