"""validate_config(config, mode): every config field checked once, before anything compiles.

Each stage validates its own section (data, model, loss, eval); this module adds the top-level, train,
optim, ema, checkpoint and eval-schedule checks, and the device-count check of the global batch.
"""

import importlib
import math
from typing import Callable, List

import ml_collections

from gan_jax.core.errors import ConfigError

MODES = ('train', 'sample', 'prepare', 'evaluate', 'train_classifier', 'train_downstream', 'synthesize',
         'interpolate')

# (module, function) of each stage's validator, and the modes that need it. Data goes last: importing it
# loads TensorFlow, so the other mistakes are reported without that wait.
STAGE_VALIDATORS = (
    ('gan_jax.models', 'validate_model_config', ('train', 'sample', 'evaluate', 'interpolate')),
    ('gan_jax.families.gan.losses', 'validate_loss_config', ('train', 'sample', 'evaluate', 'interpolate')),
    ('gan_jax.families', 'validate_family_config', ('train', 'sample', 'evaluate', 'interpolate')),
    ('gan_jax.metrics', 'validate_eval_config', ('train', 'evaluate', 'train_classifier')),
    ('gan_jax.augment', 'validate_gan_aug_config', ('train',)),
    ('gan_jax.metrics.downstream', 'validate_downstream_config', ('train_downstream',)),
    ('gan_jax.outputs.synthesize', 'validate_synthesize_config', ('synthesize',)),
    ('gan_jax.outputs.interpolate', 'validate_interpolate_config', ('interpolate',)),
    ('gan_jax.data', 'validate_data_config', MODES),
)


def _int(value, key: str, minimum: int, meaning: str = '') -> None:
  if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
    raise ConfigError(f'{key}={value!r} must be an integer >= {minimum}{meaning}')


def _number(value, key: str, low: float, high: float, high_open: bool = False, meaning: str = '') -> None:
  ok = not isinstance(value, bool) and isinstance(value, (int, float)) and math.isfinite(value)
  ok = ok and low <= value and (value < high if high_open else value <= high)
  if not ok:
    raise ConfigError(f'{key}={value!r} must be a number in [{low}, {high}{")" if high_open else "]"}{meaning}')


def _check_top_level(config) -> None:
  _int(config.seed, 'seed', 0)
  if not isinstance(config.distributed, bool):
    raise ConfigError(f'distributed={config.distributed!r} must be True or False')
  if config.coordinator_address and ':' not in config.coordinator_address:
    raise ConfigError(f'coordinator_address={config.coordinator_address!r} must be host:port (or empty)')
  _int(config.num_processes, 'num_processes', 0, ' (0 = detected)')
  _int(config.process_id, 'process_id', -1, ' (-1 = detected)')


def _check_training(config) -> None:
  train = config.train
  _int(train.steps, 'train.steps', 1)
  _int(train.batch_size, 'train.batch_size', 1)
  _int(train.log_every, 'train.log_every', 1)
  _int(train.sample_every, 'train.sample_every', 0, ' (0 = only generated.png at the end)')
  _int(train.num_sample_images, 'train.num_sample_images', 1)
  optim = config.optim
  for key in ('g_lr', 'd_lr'):
    _number(optim[key], f'optim.{key}', 0, math.inf, high_open=True)
    if optim[key] == 0:
      raise ConfigError(f'optim.{key}=0 must be > 0')
  _number(optim.b1, 'optim.b1', 0, 1, high_open=True)
  _number(optim.b2, 'optim.b2', 0, 1, high_open=True)
  from gan_jax.core.optimizers import SCHEDULES  # pylint: disable=g-import-not-at-top
  SCHEDULES.check(optim.schedule)
  _int(optim.warmup_steps, 'optim.warmup_steps', 0)
  if optim.warmup_steps >= train.steps and optim.warmup_steps > 0:
    raise ConfigError(f'optim.warmup_steps={optim.warmup_steps} must be < train.steps={train.steps}')
  _number(optim.grad_clip, 'optim.grad_clip', 0, math.inf, high_open=True, meaning=' (0 = off)')
  _number(config.ema.decay, 'ema.decay', 0, 1, high_open=True, meaning=' (0 = off)')
  _int(config.ema.start_step, 'ema.start_step', 0, ' (steps before the EMA starts averaging; 0 = from the start)')
  _int(config.ema.standing_batches, 'ema.standing_batches', 0,
       ' (batches of BatchNorm standing statistics for the EMA generator; 0 = the raw G\'s running statistics)')
  _int(config.checkpoint.every_steps, 'checkpoint.every_steps', 0, ' (0 = only at the end)')
  _int(config.checkpoint.keep, 'checkpoint.keep', 1)


def _check_eval_schedule(config) -> None:
  ev = config.eval
  _int(ev.every_steps, 'eval.every_steps', 0, ' (0 = only at the end)')
  _int(ev.num_samples, 'eval.num_samples', 1)
  _int(ev.batch_size, 'eval.batch_size', 1)
  _int(ev.seed, 'eval.seed', 0)
  if not isinstance(ev.best_metric, str):
    raise ConfigError(f'eval.best_metric={ev.best_metric!r} must name an evaluation result (e.g. fid), '
                      'or be empty (no best checkpoint)')
  from gan_jax.families import family_of  # pylint: disable=g-import-not-at-top
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
  _check_top_level(config)
  if mode in ('train', 'sample', 'evaluate'):
    _check_training(config)
  if mode in ('train', 'sample', 'evaluate'):
    _check_eval_schedule(config)
  for validator in _stage_validators(mode):
    validator(config)
  if devices:
    validate_devices(config, mode)
