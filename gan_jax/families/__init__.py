"""Training families behind one seam: each model name belongs to a family (gan, vae) whose Trainer gives
the shared loop its state, pure step, sampler, console scalars, extra pictures and metrics.

  trainer = build_trainer(config, example_shape, mesh, ds=ds)   # training; or meta=<checkpoint meta>
  state = trainer.fresh_state()  /  trainer.restore_state(store, step)
  step_fn = trainer.make_train_step()           # jitted (state, batch, rng) -> (state, metrics)
  samples = trainer.sample_fn(state)(num, seed)  # float32 [num, *example_shape]

Adding a family: a module with a Trainer subclass and a `validate(config)`, one `FAMILIES.register` line
below, and `training='<family>'` on its models' entries in gan_jax.models.MODELS.
"""

from typing import Callable, NamedTuple, Tuple

from gan_jax.core.registry import Registry
from gan_jax.families.gan import trainer as gan
from gan_jax.families.vae import trainer as vae


class Family(NamedTuple):
  trainer: Callable   # (config, example_shape, mesh, ds=None, meta=None) -> Trainer
  validate: Callable  # (config) -> None, or ConfigError (one line)
  result_keys: Tuple[str, ...] = ()   # evaluation results the trainer adds (usable as eval.best_metric)


FAMILIES = Registry('training family', 'model.name')
FAMILIES.register('gan')(Family(gan.GanTrainer, gan.validate))
FAMILIES.register('vae')(Family(vae.VaeTrainer, vae.validate, vae.RESULT_KEYS))


def family_of(config) -> Family:
  from gan_jax.models import MODELS  # pylint: disable=g-import-not-at-top
  return FAMILIES.get(MODELS.get(config.model.name).training)


def build_trainer(config, example_shape, mesh=None, ds=None, meta=None):
  """The Trainer of config.model.name's family. ds: the prepared dataset (training: classes and label
  statistics from it, ConfigError when they do not fit); meta: a checkpoint's meta (sampling)."""
  from gan_jax.core import parallel  # pylint: disable=g-import-not-at-top
  mesh = mesh if mesh is not None else parallel.make_data_mesh()
  return family_of(config).trainer(config, example_shape, mesh, ds, meta)


def validate_family_config(config) -> None:
  family_of(config).validate(config)
