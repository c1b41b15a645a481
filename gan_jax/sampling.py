"""Drawing samples from the (EMA) generator: the jitted sampler, sample_fn for evaluators, and
--mode=sample (DIR/samples.npz + DIR/samples.png from the latest checkpoint)."""

import math
import os
from typing import Callable

import jax
import jax.numpy as jnp
import ml_collections
import numpy as np

from gan_jax import parallel
from gan_jax.errors import ConfigError
from gan_jax.logs import pictures

SampleFn = Callable[[int, int], np.ndarray]


class Sampler:
  """G in eval mode (train=False, running BatchNorm statistics) on the EMA params.

  Latents for chunk i of seed s come from fold_in(PRNGKey(s), i): the same seed gives the same samples
  whatever the device count. One compilation, for chunks of `chunk_size`.
  """

  def __init__(self, generator, latent_dim: int, mesh, chunk_size: int):
    self.mesh, self.chunk_size = mesh, chunk_size

    def sample(params, batch_stats, seed_and_chunk):
      key = jax.random.fold_in(jax.random.PRNGKey(seed_and_chunk[0]), seed_and_chunk[1])
      z = jax.random.normal(key, (chunk_size, latent_dim), jnp.float32)
      return generator.apply({'params': params, 'batch_stats': batch_stats}, z, train=False).astype(jnp.float32)

    replicated = parallel.replicated(mesh)
    self._sample = jax.jit(sample, in_shardings=(replicated,) * 3, out_shardings=replicated)

  def sample_fn(self, state) -> SampleFn:
    """sample_fn(num, seed) -> np.float32 [num, *example_shape] from state.ema_params. Every process must
    call it (the computation is collective); each gets the full array."""

    def sample_fn(num: int, seed: int) -> np.ndarray:
      chunks = []
      for chunk in range(math.ceil(num / self.chunk_size)):
        ids = parallel.replicate(np.array([seed, chunk], np.int32), self.mesh)
        chunks.append(np.asarray(jax.device_get(self._sample(state.ema_params, state.g_batch_stats, ids))))
      return np.concatenate(chunks)[:num]

    return sample_fn


def sample_to_file(config: ml_collections.ConfigDict, workdir: str, num_samples: int) -> str:
  """Writes DIR/samples.npz (`images`: float32 [N, *example_shape], [-1, 1] for images) and
  DIR/samples.png from the latest checkpoint, with seed config.seed. Returns the .npz path."""
  from gan_jax import checkpointing
  from gan_jax.train import setup as setup_lib

  if num_samples <= 0:
    raise ConfigError(f'--num_samples={num_samples} must be positive')
  store = checkpointing.CheckpointStore(setup_lib.checkpoint_dir(workdir), config.checkpoint.keep)
  step, setup, state = setup_lib.restore_newest(config, store)   # damaged newer checkpoints set aside
  if step is None:
    raise ConfigError(f'--workdir={workdir} has no checkpoint in {store.directory}; train first (--mode=train)')
  sampler = Sampler(setup.generator, config.model.latent_dim, setup.mesh, config.eval.batch_size)
  samples = sampler.sample_fn(state)(num_samples, config.seed)
  path = os.path.join(os.path.abspath(workdir), 'samples.npz')
  if parallel.is_writer():
    np.savez(path, images=samples)
    pictures.save_png(os.path.join(os.path.dirname(path), 'samples.png'),
                      pictures.samples_picture(samples[:config.train.num_sample_images]))
    print(f'wrote {num_samples} samples from checkpoint step {step} to {path}')
  store.close()
  return path
