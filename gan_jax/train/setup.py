"""Builds what training, sampling and evaluation share from a config: models, losses, optimisers, the
jitted step, and the state (fresh, or restored from the latest checkpoint)."""

import functools
import os
from typing import Any, Callable, Dict, NamedTuple, Optional, Sequence, Tuple

import jax
import ml_collections
import numpy as np
from jax.sharding import Mesh

from gan_jax import checkpointing, parallel
from gan_jax.augment import make_augment, uses_ada
from gan_jax.augment.adaptive import AdaSettings
from gan_jax.errors import ConfigError
from gan_jax.losses import AUX_CLASS_LOSSES, LOSSES, classification_loss, gradient_penalty, r1_penalty
from gan_jax.models import build_models, resolve_num_classes
from gan_jax.train.optimizers import make_gan_optimizers
from gan_jax.train.state import TrainState, abstract_state, init_train_state
from gan_jax.train.step import train_step

# Losses whose logits are log-odds of "real": their D outputs are also reported as probabilities.
PROBABILITY_LOSSES = frozenset({'non_saturating', 'minimax'})


class GanSetup(NamedTuple):
  config: ml_collections.ConfigDict
  example_shape: Tuple[int, ...]
  mesh: Mesh
  generator: Any
  discriminator: Any
  g_tx: Any
  g_schedule: Callable
  d_tx: Any
  d_schedule: Callable
  init_fn: Callable[[], TrainState]
  num_classes: int = 0                            # resolved class count; 0 = unconditional
  fake_label_probs: Optional[np.ndarray] = None   # float64 [num_classes]: labels of fakes in training


def class_info(config: ml_collections.ConfigDict, ds) -> Tuple[int, Optional[np.ndarray]]:
  """(resolved num_classes, fake-label probabilities) for a prepared dataset; (0, None) if unconditional.

  model.fake_labels='data': the train split's class frequencies (data_report.json's class_counts['train'],
  i.e. before any data.rebalance); 'uniform': 1 / num_classes each. ConfigError for a conditional model on
  unlabelled data (raised before anything compiles).
  """
  num_classes = resolve_num_classes(config.model, ds.num_classes)
  if not num_classes:
    return 0, None
  if config.model.fake_labels == 'uniform':
    return num_classes, np.full(num_classes, 1.0 / num_classes)
  counts = np.zeros(num_classes, np.float64)
  for label, count in ds.report['class_counts']['train'].items():
    counts[int(label)] = count
  return num_classes, counts / counts.sum()


def build_setup(config: ml_collections.ConfigDict, example_shape: Sequence[int],
                mesh: Optional[Mesh] = None, num_classes: int = 0,
                fake_label_probs: Optional[np.ndarray] = None) -> GanSetup:
  """num_classes / fake_label_probs: from `class_info` (training) or a checkpoint's meta (sampling)."""
  mesh = mesh if mesh is not None else parallel.make_data_mesh()
  example_shape = tuple(int(d) for d in example_shape)
  if config.gan_aug.policy.strip() and len(example_shape) != 3:
    raise ConfigError(f'gan_aug.policy={config.gan_aug.policy!r} augments images [H, W, C]; this dataset\'s '
                      f'examples have shape {example_shape}: set gan_aug.policy=\'\'')
  num_classes = int(num_classes) if config.model.conditional != 'none' else 0
  generator, discriminator = build_models(config.model, example_shape, num_classes)
  g_tx, g_schedule, d_tx, d_schedule = make_gan_optimizers(config)
  init_fn = functools.partial(
      init_train_state, config.seed, generator=generator, discriminator=discriminator, g_tx=g_tx,
      d_tx=d_tx, latent_dim=config.model.latent_dim, example_shape=example_shape, pack=config.model.pack,
      num_classes=num_classes, ada_p=config.gan_aug.ada_p)
  probs = None if fake_label_probs is None else np.asarray(fake_label_probs, np.float64)
  return GanSetup(config, example_shape, mesh, generator, discriminator, g_tx, g_schedule, d_tx, d_schedule,
                  init_fn, num_classes, probs)


def bind_train_step(setup: GanSetup) -> Callable:
  """train_step with everything but (state, batch, rng) bound from the config; pure, not jitted (for
  callers that compose it further, e.g. gan_jax.train.multi_seed's scan over steps and vmap over seeds)."""
  config, aug = setup.config, setup.config.gan_aug
  return functools.partial(
      train_step, generator=setup.generator, discriminator=setup.discriminator,
      loss=LOSSES.get(config.loss.name), g_tx=setup.g_tx, d_tx=setup.d_tx, g_schedule=setup.g_schedule,
      d_schedule=setup.d_schedule, latent_dim=config.model.latent_dim, n_critic=config.loss.n_critic,
      gp_weight=config.loss.gp_weight, r1_weight=config.loss.r1_weight, ema_decay=config.ema.decay,
      gradient_penalty=gradient_penalty, r1_penalty=r1_penalty,
      report_probabilities=config.loss.name in PROBABILITY_LOSSES, num_classes=setup.num_classes,
      fake_label_probs=setup.fake_label_probs, ac_weight=config.loss.ac_weight,
      ac_fake_weight=config.loss.ac_fake_weight,
      class_loss=AUX_CLASS_LOSSES.get(config.model.conditional, lambda _: classification_loss)(config.loss),
      augment=make_augment(aug.policy), lecam_weight=config.loss.lecam_weight, lecam_decay=config.loss.lecam_decay,
      ada=AdaSettings(aug.ada_target, aug.ada_interval, aug.ada_kimg, adaptive=uses_ada(aug.policy)))


def make_train_step(setup: GanSetup) -> Callable:
  """jit(train_step) with the config bound: batch sharded on 'data', state and rng replicated, the
  incoming state donated. Call as step_fn(state, {'image': ..., 'label': ...} global arrays, rng)
  -> (state, metrics); 'label' is needed by conditional models only."""
  step = bind_train_step(setup)
  replicated = parallel.replicated(setup.mesh)
  return jax.jit(step, donate_argnums=0,
                 in_shardings=(replicated, parallel.batch_sharding(setup.mesh), replicated),
                 out_shardings=(replicated, replicated))


def checkpoint_meta(setup: GanSetup, step: int, data_kind: str, extra: Optional[Dict] = None) -> Dict:
  fields = checkpointing.shape_fields(setup.config)
  probs = None if setup.fake_label_probs is None else [float(p) for p in setup.fake_label_probs]
  return {'step': step, 'data_position': step, 'example_shape': list(setup.example_shape),
          'data_kind': data_kind, 'shape_fields': fields, 'shape_fields_hash': checkpointing.fields_hash(fields),
          'num_classes': setup.num_classes, 'fake_label_probs': probs, **(extra or {})}


def fresh_state(setup: GanSetup) -> TrainState:
  return jax.jit(setup.init_fn, out_shardings=parallel.replicated(setup.mesh))()


def restore_state(setup: GanSetup, store: checkpointing.CheckpointStore, step: int) -> Tuple[TrainState, Dict]:
  target = abstract_state(setup.init_fn, parallel.replicated(setup.mesh))
  return store.restore(step, target, checkpointing.shape_fields(setup.config))


def restore_newest(config: ml_collections.ConfigDict, store: checkpointing.CheckpointStore
                   ) -> Tuple[Optional[int], Optional[GanSetup], Optional[TrainState]]:
  """(step, setup, state) of the newest readable checkpoint in `store`, the setup built for the example
  shape saved with it (--mode=sample/evaluate); damaged newer ones are set aside. (None, None, None) if
  there is none; CheckpointError if none can be read."""

  def restore(step):
    meta = store.read_meta(step)
    setup = build_setup(config, meta['example_shape'], num_classes=meta.get('num_classes', 0))
    return setup, restore_state(setup, store, step)[0]

  step, restored = store.restore_newest(restore)
  return (step, *restored) if step is not None else (None, None, None)


def checkpoint_dir(workdir: str, best: bool = False) -> str:
  return os.path.join(os.path.abspath(workdir), 'checkpoints_best' if best else 'checkpoints')


def replicated_rng(state: TrainState, mesh: Mesh) -> jax.Array:
  """A separate (not donated) replicated copy of the run's base key, for the step's rng argument."""
  return parallel.replicate(np.asarray(jax.device_get(state.rng)), mesh)
