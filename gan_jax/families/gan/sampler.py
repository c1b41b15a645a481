"""The GAN family's sampler: G in eval mode on the EMA weights, jitted once, in chunks."""

import math
from typing import Optional

import jax
import jax.numpy as jnp
import numpy as np

from gan_jax.core import parallel
from gan_jax.families.latents import SampleFn, balanced_labels, draw_latents


class Sampler:
  """G in eval mode (train=False, running BatchNorm statistics) on the EMA params.

  Latents for chunk i of seed s come from fold_in(PRNGKey(s), i): the same seed gives the same samples
  whatever the device count. One compilation, for chunks of `chunk_size`. num_classes > 0: a conditional
  generator, given the labels of each chunk (padded with zeros to chunk_size).
  """

  def __init__(self, generator, latent_dim: int, mesh, chunk_size: int, num_classes: int = 0,
               truncation: float = 0.0, temperature: float = 1.0):
    self.mesh, self.chunk_size, self.num_classes = mesh, chunk_size, int(num_classes)

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

  def sample_fn(self, state) -> SampleFn:
    """sample_fn(num, seed, labels=None) -> np.float32 [num, *example_shape] from state.ema_params.

    Conditional generators: labels=None means class-balanced `balanced_labels(num, num_classes)`, else an
    int array [num] in [0, num_classes). Unconditional ones accept labels=None only. The latents do not
    depend on the labels. Every process must call it (the computation is collective); each gets the full
    array.
    """

    def sample_fn(num: int, seed: int, labels: Optional[np.ndarray] = None) -> np.ndarray:
      labels = self.check_labels(num, labels)
      chunks = []
      for chunk in range(math.ceil(num / self.chunk_size)):
        ids = parallel.replicate(np.array([seed, chunk], np.int32), self.mesh)
        part = np.zeros(self.chunk_size, np.int32)
        piece = labels[chunk * self.chunk_size:(chunk + 1) * self.chunk_size]
        part[:len(piece)] = piece
        out = self._sample(state.ema_params, state.g_batch_stats, ids, parallel.replicate(part, self.mesh))
        chunks.append(np.asarray(jax.device_get(out)))
      return np.concatenate(chunks)[:num]

    def decode(z: np.ndarray, labels: Optional[np.ndarray] = None) -> np.ndarray:
      """G at the given latents z [N, latent_dim] (labels [N] for a conditional G): float32 [N, ...]."""
      labels = self.check_labels(len(z), labels)
      out = self._decode(state.ema_params, state.g_batch_stats, parallel.replicate(np.asarray(z, np.float32), self.mesh),
                         parallel.replicate(labels, self.mesh))
      return np.asarray(jax.device_get(out))

    sample_fn.decode = decode
    return sample_fn
