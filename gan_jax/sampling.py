"""Drawing samples from the (EMA) generator: the jitted Sampler, sample_fn for evaluators, `load_sampler`
(a checkpoint -> sample_fn) and --mode=sample (DIR/samples.npz + DIR/samples.png)."""

import math
import os
from typing import Any, Callable, Dict, Optional, Tuple

import jax
import jax.numpy as jnp
import ml_collections
import numpy as np

from gan_jax import parallel
from gan_jax.errors import ConfigError
from gan_jax.logs import pictures

SampleFn = Callable[..., np.ndarray]   # sample_fn(num, seed, labels=None) -> float32 [num, *example_shape]


def balanced_labels(num: int, num_classes: int) -> np.ndarray:
  """int32 [num]: 0, 1, ..., K-1, 0, 1, ... (what a conditional sample_fn uses when labels is None)."""
  return (np.arange(num) % num_classes).astype(np.int32)


def draw_latents(key: jax.Array, shape, truncation: float = 0.0, temperature: float = 1.0) -> jax.Array:
  """N(0, 1) latents (truncated to [-truncation, truncation] when truncation > 0) times temperature."""
  z = (jax.random.truncated_normal(key, -truncation, truncation, shape, jnp.float32) if truncation > 0
       else jax.random.normal(key, shape, jnp.float32))
  return z * temperature


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


def class_rows_picture(sample_fn: SampleFn, num_images: int, num_classes: int, seed: int) -> np.ndarray:
  """uint8 grid of about num_images samples of a conditional generator, row r showing class r."""
  labels, cols = pictures.class_row_labels(num_images, num_classes)
  return pictures.image_grid(sample_fn(len(labels), seed, labels), cols=cols)


def restore_checkpoint(config: ml_collections.ConfigDict, workdir: str, which: str = 'latest'):
  """Restores the newest readable 'latest' (or 'best') checkpoint of workdir with its training family's
  Trainer -> (trainer, state, step, meta). Read-only: safe while a training run writes the workdir (damaged
  newer checkpoints are named and skipped, not moved). Needs no dataset: the class count comes from the
  checkpoint's meta.
  ConfigError when there is no checkpoint (or it does not fit the config)."""
  from gan_jax import checkpointing  # pylint: disable=g-import-not-at-top
  from gan_jax.train import setup as setup_lib  # pylint: disable=g-import-not-at-top
  from gan_jax.train.families import build_trainer  # pylint: disable=g-import-not-at-top

  if which not in ('latest', 'best'):
    raise ConfigError(f'checkpoint={which!r} is not allowed; allowed: best, latest')
  directory = setup_lib.checkpoint_dir(workdir, which == 'best')
  if not os.path.isdir(directory):   # checked first: a mistyped --workdir is reported, never created
    raise ConfigError(f'--workdir={workdir} has no {which} checkpoint in {directory}; train first (--mode=train)')
  store = checkpointing.CheckpointStore(directory, 1, read_only=True)   # never disturbs a training run

  def restore(step):
    meta = store.read_meta(step)
    meta.setdefault('num_classes', 0)
    trainer = build_trainer(config, meta['example_shape'], meta=meta)
    return trainer, trainer.restore_state(store, step)[0], meta

  try:
    step, restored = store.restore_newest(restore)   # damaged newer checkpoints set aside
  finally:
    store.close()
  if step is None:
    raise ConfigError(f'--workdir={workdir} has no {which} checkpoint in {store.directory}; train first '
                      '(--mode=train)')
  trainer, state, meta = restored
  return trainer, state, step, meta


def load_sampler(config: ml_collections.ConfigDict, workdir: str, which: str = 'latest',
                 truncation: float = 0.0, temperature: float = 1.0) -> Tuple[SampleFn, int, Dict[str, Any]]:
  """Restores the 'latest' or 'best' checkpoint of workdir -> (sample_fn, step, meta).

  sample_fn is the training family's sampler (GANs: `Sampler.sample_fn` of the EMA generator; VAEs: the
  decoder at prior draws), in chunks of config.eval.batch_size. meta is the checkpoint's metadata:
  'example_shape', 'num_classes' (0 = unconditional), 'fake_label_probs' (GANs: the training distribution
  of fake labels, or None), 'step', ... ConfigError when there is no checkpoint. Needs no dataset.
  truncation > 0: latents from a normal truncated to [-truncation, truncation]; temperature scales them.
  """
  trainer, state, step, meta = restore_checkpoint(config, workdir, which)
  return trainer.sample_fn(state, truncation, temperature), step, meta


def check_label_flag(label: int, num_classes: int, data_num_classes: int = 0) -> None:
  """ConfigError unless --label is -1 (balanced / unconditional) or a class of a conditional model that its
  training data had (data_num_classes, when known: the classes a larger model.num_classes adds were never
  trained)."""
  if label == -1:
    return
  if not num_classes:
    raise ConfigError(f'--label={label}: this model is unconditional (model.conditional=none); allowed: -1')
  trained = min(num_classes, data_num_classes) if data_num_classes else num_classes
  if not 0 <= label < trained:
    why = (f' (model.num_classes={num_classes}, but its training data had {trained} classes: the others were '
           'never trained)' if trained < num_classes else '')
    raise ConfigError(f'--label={label} is out of range; allowed: 0..{trained - 1} (or -1: all classes){why}')


def sample_to_file(config: ml_collections.ConfigDict, workdir: str, num_samples: int, label: int = -1) -> str:
  """Writes DIR/samples.npz (`images`: float32 [N, *example_shape], [-1, 1] for images; conditional models
  also `labels`: int32 [N], class-balanced, or all `label` when label >= 0) and DIR/samples.png (one class
  per row for conditional models) from the latest checkpoint, with seed config.seed. Returns the .npz path."""
  if num_samples <= 0:
    raise ConfigError(f'--num_samples={num_samples} must be positive')
  if config.model.num_classes or config.model.conditional == 'none':   # known without the checkpoint
    check_label_flag(label, config.model.num_classes if config.model.conditional != 'none' else 0)
  # Restoring compiles nothing (the sampler compiles on its first call): the label is checked against the
  # class count of the newest readable checkpoint before anything compiles.
  sample_fn, step, meta = load_sampler(config, workdir, 'latest')
  num_classes = meta['num_classes']
  check_label_flag(label, num_classes if config.model.conditional != 'none' else 0, meta.get('data_num_classes', 0))
  labels = None
  trained = min(num_classes, meta.get('data_num_classes') or num_classes)   # classes the data had
  if num_classes:
    labels = np.full(num_samples, label, np.int32) if label >= 0 else balanced_labels(num_samples, trained)
  samples = sample_fn(num_samples, config.seed, labels)
  if num_classes and label < 0:   # a grid with one class per row (sampling is collective: every process)
    picture = class_rows_picture(sample_fn, config.train.num_sample_images, trained, config.seed)
  else:
    picture = pictures.samples_picture(samples[:config.train.num_sample_images])
  path = os.path.join(os.path.abspath(workdir), 'samples.npz')
  if parallel.is_writer():
    np.savez(path, images=samples, **({'labels': labels} if num_classes else {}))
    pictures.save_png(os.path.join(os.path.dirname(path), 'samples.png'), picture)
    print(f'wrote {num_samples} samples from checkpoint step {step} to {path}')
  return path
