"""Samples of any trained family through its contract: `restore_checkpoint` / `load_sampler` (a checkpoint
-> the family's sample_fn), class-row grids, and --mode=sample (DIR/samples.npz + DIR/samples.png)."""

import os
from typing import Any, Dict, Tuple

import ml_collections
import numpy as np

from gan_jax.core import parallel
from gan_jax.core.errors import ConfigError
from gan_jax.families.latents import SampleFn, balanced_labels
from gan_jax.logs import pictures


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
  from gan_jax.core import checkpointing  # pylint: disable=g-import-not-at-top
  from gan_jax.families import build_trainer  # pylint: disable=g-import-not-at-top

  if which not in ('latest', 'best'):
    raise ConfigError(f'checkpoint={which!r} is not allowed; allowed: best, latest')
  directory = checkpointing.checkpoint_dir(workdir, which == 'best')
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
  'example_shape', 'num_classes' (0 = unconditional), 'fake_labels' / 'fake_label_probs' (conditional GANs:
  model.fake_labels and, for 'uniform', its fixed distribution; None when fakes took the real batches'
  labels), 'step', ... ConfigError when there is no checkpoint. Needs no dataset.
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
