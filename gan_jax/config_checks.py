"""validate_config(config, mode): every config field checked once, before anything compiles.

The schema (gan_jax.core.schema) checks every key's type and range and refuses keys it does not declare;
each stage and the running family validate their own names and cross-key rules (data, model, loss, eval,
the family's section); this module adds the few top-level and schedule rules and the device-count check of
the global batch.
"""

import importlib
from typing import Callable, List

import ml_collections

from gan_jax.core import schema
from gan_jax.core.errors import ConfigError

MODES = ('train', 'sample', 'prepare', 'evaluate', 'train_classifier', 'train_downstream', 'synthesize',
         'interpolate', 'translate')

# (module, function) of each stage's validator, and the modes that need it. Data goes last: importing it
# loads TensorFlow, so the other mistakes are reported without that wait.
STAGE_VALIDATORS = (
    ('gan_jax.models', 'validate_model_config', ('train', 'sample', 'evaluate', 'interpolate', 'translate')),
    ('gan_jax.families.gan.losses', 'validate_loss_config', ('train', 'sample', 'evaluate', 'interpolate')),
    ('gan_jax.families', 'validate_family_config', ('train', 'sample', 'evaluate', 'interpolate', 'translate')),
    ('gan_jax.metrics', 'validate_eval_config', ('train', 'evaluate', 'train_classifier')),
    ('gan_jax.augment', 'validate_gan_aug_config', ('train',)),
    ('gan_jax.metrics.downstream', 'validate_downstream_config', ('train_downstream',)),
    ('gan_jax.outputs.synthesize', 'validate_synthesize_config', ('synthesize',)),
    ('gan_jax.outputs.interpolate', 'validate_interpolate_config', ('interpolate',)),
    ('gan_jax.data', 'validate_data_config', MODES),
)


def _check_top_level(config) -> None:
  if config.coordinator_address and ':' not in config.coordinator_address:
    raise ConfigError(f'coordinator_address={config.coordinator_address!r} must be host:port (or empty)')


def _check_training(config) -> None:
  from gan_jax.core.optimizers import SCHEDULES  # pylint: disable=g-import-not-at-top
  SCHEDULES.check(config.optim.schedule)
  warmup, steps = config.optim.warmup_steps, config.train.steps
  if warmup >= steps and warmup > 0:
    raise ConfigError(f'optim.warmup_steps={warmup} must be < train.steps={steps}')


def _check_eval_schedule(config) -> None:
  from gan_jax.families import family_of  # pylint: disable=g-import-not-at-top
  ev = config.eval
  if ev.every_steps > 0 and not ev.metrics and not family_of(config).result_keys:
    raise ConfigError('eval.every_steps > 0 needs eval.metrics (empty: nothing to evaluate)')
  _check_best_metric(config, family_of(config).result_keys)


def _check_best_metric(config, family_result_keys) -> None:
  """eval.best_metric names a result of eval.metrics or of the training family (a VAE's ELBO and IWAE)."""
  from gan_jax.metrics.registry import METRICS  # pylint: disable=g-import-not-at-top
  ev = config.eval
  metrics = (ev.metrics,) if isinstance(ev.metrics, str) else tuple(ev.metrics)
  if not all(name in METRICS for name in metrics):
    return   # the eval stage names the unknown metric
  produced = {key for name in metrics for key in METRICS.get(name).keys} | set(family_result_keys)
  if metrics and ev.best_metric and ev.best_metric not in produced:
    raise ConfigError(f'eval.best_metric={ev.best_metric!r} is not produced by eval.metrics={metrics}; '
                      f'allowed: {", ".join(sorted(produced))} or empty')


def _check_devices(config) -> None:
  from gan_jax.core import parallel  # pylint: disable=g-import-not-at-top  (counts devices: after distributed init)
  parallel.check_global_batch(config.train.batch_size, config.model.pack)


def _stage_validators(mode: str) -> List[Callable]:
  found = []
  for module_name, function_name, modes in STAGE_VALIDATORS:
    if mode not in modes:
      continue
    try:
      module = importlib.import_module(module_name)
    except ModuleNotFoundError as e:
      if (e.name or '') == module_name:   # a stage not built yet: nothing of its own to check
        continue
      raise
    if hasattr(module, function_name):
      found.append(getattr(module, function_name))
  return found


def validate_devices(config: ml_collections.ConfigDict, mode: str = 'train') -> None:
  """The global batch splits evenly over every process's devices (after jax.distributed.initialize)."""
  if mode == 'train':
    _check_devices(config)


def validate_config(config: ml_collections.ConfigDict, mode: str = 'train', devices: bool = True) -> None:
  """Raises ConfigError/DataError (one line naming the field) for anything `mode` would trip over later.

  devices=True also runs `validate_devices`, which counts devices: with config.distributed, call
  validate_config(..., devices=False), then jax.distributed.initialize, then validate_devices.
  """
  if mode not in MODES:
    raise ConfigError(f'--mode={mode!r} is not allowed; allowed: {", ".join(MODES)}')
  schema.check_values(config)   # every key's type and range, and keys the schema does not have
  _check_top_level(config)
  if mode in ('train', 'sample', 'evaluate'):
    _check_training(config)
  if mode in ('train', 'sample', 'evaluate'):
    _check_eval_schedule(config)
  for validator in _stage_validators(mode):
    validator(config)
  if devices:
    validate_devices(config, mode)
