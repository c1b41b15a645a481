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
from gan_jax.losses import LOSSES, gradient_penalty, r1_penalty
from gan_jax.models import build_models
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


def build_setup(config: ml_collections.ConfigDict, example_shape: Sequence[int],
                mesh: Optional[Mesh] = None) -> GanSetup:
  mesh = mesh if mesh is not None else parallel.make_data_mesh()
  example_shape = tuple(int(d) for d in example_shape)
  if config.gan_aug.policy.strip() and len(example_shape) != 3:
    raise ConfigError(f'gan_aug.policy={config.gan_aug.policy!r} augments images [H, W, C]; this dataset\'s '
                      f'examples have shape {example_shape}: set gan_aug.policy=\'\'')
  generator, discriminator = build_models(config.model, example_shape)
  g_tx, g_schedule, d_tx, d_schedule = make_gan_optimizers(config)
  init_fn = functools.partial(
      init_train_state, config.seed, generator=generator, discriminator=discriminator, g_tx=g_tx,
      d_tx=d_tx, latent_dim=config.model.latent_dim, example_shape=example_shape, pack=config.model.pack,
      ada_p=config.gan_aug.ada_p)
  return GanSetup(config, example_shape, mesh, generator, discriminator, g_tx, g_schedule, d_tx, d_schedule,
                  init_fn)


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
      report_probabilities=config.loss.name in PROBABILITY_LOSSES,
      augment=make_augment(aug.policy), lecam_weight=config.loss.lecam_weight, lecam_decay=config.loss.lecam_decay,
      ada=AdaSettings(aug.ada_target, aug.ada_interval, aug.ada_kimg, adaptive=uses_ada(aug.policy)))


def make_train_step(setup: GanSetup) -> Callable:
  """jit(train_step) with the config bound: batch sharded on 'data', state and rng replicated, the
  incoming state donated. Call as step_fn(state, {'image': global array}, rng) -> (state, metrics)."""
  step = bind_train_step(setup)
  replicated = parallel.replicated(setup.mesh)
  return jax.jit(step, donate_argnums=0,
                 in_shardings=(replicated, parallel.batch_sharding(setup.mesh), replicated),
                 out_shardings=(replicated, replicated))


def checkpoint_meta(setup: GanSetup, step: int, data_kind: str, extra: Optional[Dict] = None) -> Dict:
  fields = checkpointing.shape_fields(setup.config)
  return {'step': step, 'data_position': step, 'example_shape': list(setup.example_shape),
          'data_kind': data_kind, 'shape_fields': fields, 'shape_fields_hash': checkpointing.fields_hash(fields),
          **(extra or {})}


def fresh_state(setup: GanSetup) -> TrainState:
  return jax.jit(setup.init_fn, out_shardings=parallel.replicated(setup.mesh))()


def restore_state(setup: GanSetup, store: checkpointing.CheckpointStore, step: int) -> Tuple[TrainState, Dict]:
  target = abstract_state(setup.init_fn, parallel.replicated(setup.mesh))
  return store.restore(step, target, checkpointing.shape_fields(setup.config))


def checkpoint_dir(workdir: str, best: bool = False) -> str:
  return os.path.join(os.path.abspath(workdir), 'checkpoints_best' if best else 'checkpoints')


def replicated_rng(state: TrainState, mesh: Mesh) -> jax.Array:
  """A separate (not donated) replicated copy of the run's base key, for the step's rng argument."""
  return parallel.replicate(np.asarray(jax.device_get(state.rng)), mesh)
