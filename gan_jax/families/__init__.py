"""Training families behind one contract (gan_jax.families.contract): each family owns the model names it
trains and gives the shared loop its state, pure step(s), phases, sampler, console scalars, pictures and
metrics.

  trainer = build_trainer(config, example_shape, mesh, ds=ds)   # training; or meta=<checkpoint meta>
  state = trainer.fresh_state()  /  trainer.restore_state(store, step)
  step_fn = trainer.make_train_step(trainer.phase_at(step))     # jitted (state, batch, rng) -> (state, metrics)
  samples = trainer.sample_fn(state)(num, seed)                 # float32 [num, *example_shape]

Adding a family: a folder with a Trainer subclass and a `validate(config)`, and one `FAMILIES.register`
line (below, or from anywhere before the run: tests/run/test_family_contract.py registers a toy family).
"""

from typing import Callable, NamedTuple, Tuple

from gan_jax.core.errors import ConfigError
from gan_jax.core.registry import Registry
from gan_jax.families.cyclegan import trainer as cyclegan
from gan_jax.families.gan import trainer as gan
from gan_jax.families.progan import trainer as progan
from gan_jax.families.vae import trainer as vae


class Family(NamedTuple):
  trainer: Callable   # (config, example_shape, mesh, ds=None, meta=None) -> Trainer
  validate: Callable  # (config) -> None, or ConfigError (one line): the family's own keys
  result_keys: Tuple[str, ...] = ()   # evaluation results the trainer adds (usable as eval.best_metric)
  models: Tuple[str, ...] = ()        # the config.model.name values this family trains
  two_domains: bool = False           # trains on data and data_b (batches carry 'image' and 'image_b')


FAMILIES = Registry('training family', 'model.name')
FAMILIES.register('gan')(Family(gan.GanTrainer, gan.validate, models=('dcgan', 'mlp', 'resnet')))
FAMILIES.register('vae')(Family(vae.VaeTrainer, vae.validate, vae.RESULT_KEYS, models=('vae', 'vae_mlp')))
FAMILIES.register('progan')(Family(progan.ProganTrainer, progan.validate, models=('progan',)))
FAMILIES.register('cyclegan')(Family(cyclegan.CycleganTrainer, cyclegan.validate, cyclegan.result_keys(),
                                     models=('cyclegan',), two_domains=True))


def family_of(config) -> Family:
  """The family that trains config.model.name; ConfigError naming every trainable model otherwise."""
  for name in FAMILIES.names():
    if config.model.name in FAMILIES.get(name).models:
      return FAMILIES.get(name)
  known = sorted(model for name in FAMILIES.names() for model in FAMILIES.get(name).models)
  raise ConfigError(f'model.name={config.model.name!r} is not a known model; allowed: {", ".join(known)}')


def build_trainer(config, example_shape, mesh=None, ds=None, meta=None):
  """The Trainer of config.model.name's family. ds: the prepared dataset (training: classes and label
  statistics from it, ConfigError when they do not fit); meta: a checkpoint's meta (sampling)."""
  return family_of(config).trainer(config, example_shape, mesh, ds, meta)


def validate_family_config(config) -> None:
  family = family_of(config)
  if config.data_b.name and not family.two_domains:
    two = ', '.join(m for name in FAMILIES.names() if FAMILIES.get(name).two_domains for m in FAMILIES.get(name).models)
    raise ConfigError(f'data_b.name={config.data_b.name!r}: model.name={config.model.name} trains on one domain; '
                      f"a second domain is for model.name={two} (or set data_b.name='')")
  family.validate(config)
