"""validate_data_config: every data.* field checked before anything is read or compiled."""

import os

from gan_jax.core.errors import ConfigError
from gan_jax.data.augment import AUGMENTATIONS
from gan_jax.data.outliers import OUTLIER_SCORES
from gan_jax.data.rebalance import SAMPLERS
from gan_jax.data.sources import get_source
from gan_jax.data.synthetic_mix import FILLS
from gan_jax.data.transforms import TRANSFORMS

_RESIZE_METHODS = ('bilinear', 'nearest', 'bicubic', 'area', 'lanczos3', 'lanczos5', 'gaussian', 'mitchellcubic')
_CHANNEL_POLICIES = ('convert', 'drop')


def _require(ok: bool, key: str, value, allowed: str) -> None:
  if not ok:
    raise ConfigError(f'data.{key}={value!r}: {allowed}')


def _is_int(value) -> bool:
  return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value) -> bool:
  return isinstance(value, (int, float)) and not isinstance(value, bool) and value == value   # not NaN


def _check_fractions(data) -> None:
  for key in ('val_fraction', 'test_fraction'):
    value = data[key]
    _require(isinstance(value, (int, float)) and 0 <= value < 1, key, value, 'must be in [0, 1)')
  fraction = data.train_fraction
  _require(isinstance(fraction, (int, float)) and not isinstance(fraction, bool) and 0 < fraction <= 1,
           'train_fraction', fraction, 'must be in (0, 1] (the share of the train split to train on)')
  total = data.val_fraction + data.test_fraction
  _require(total < 1, 'val_fraction', data.val_fraction,
           f'val_fraction + test_fraction = {total:g} must be < 1 (train needs examples)')


def _check_rebalance(data) -> None:
  SAMPLERS.check(data.rebalance)
  if data.rebalance != 'target':
    return
  target = data.target_distribution
  _require(bool(target), 'target_distribution', target, "data.rebalance='target' needs {label: weight, ...}")
  for label, weight in dict(target).items():
    try:
      int(label)
    except (TypeError, ValueError):
      raise ConfigError(f'data.target_distribution: label {label!r} is not an integer') from None
    _require(isinstance(weight, (int, float)) and weight >= 0, 'target_distribution', dict(target),
             f'weight of label {label} must be a number >= 0')
  _require(sum(dict(target).values()) > 0, 'target_distribution', dict(target), 'weights must not all be 0')


def _check_augment(data) -> None:
  for name, prob in data.augment.items():
    AUGMENTATIONS.check(name)
    _require(isinstance(prob, (int, float)) and 0 <= prob <= 1, f'augment.{name}', prob, 'probability in [0, 1]')
  params = data.augment_params
  for key in ('max_degrees', 'brightness', 'contrast', 'saturation'):
    _require(isinstance(params[key], (int, float)) and params[key] >= 0, f'augment_params.{key}', params[key],
             'must be >= 0')
  _require(params.contrast <= 1 and params.saturation <= 1, 'augment_params.contrast', params.contrast,
           'contrast and saturation changes must be <= 1 (a factor in [1 - x, 1 + x])')
  _require(_is_int(params.crop_padding) and 0 <= params.crop_padding < data.image_size,
           'augment_params.crop_padding', params.crop_padding, f'integer in [0, image_size={data.image_size})')
  if data.augment.color_jitter > 0 and data.channels != 3:
    raise ConfigError(f'data.augment.color_jitter={data.augment.color_jitter}: colour jitter needs '
                      f'data.channels=3 (got {data.channels}); set it to 0 for grey data')


def _check_clean(data) -> None:
  clean = data.clean
  _require(clean.channel_policy in _CHANNEL_POLICIES, 'clean.channel_policy', clean.channel_policy,
           f'allowed: {", ".join(_CHANNEL_POLICIES)}')
  _require(_is_int(clean.min_size) and clean.min_size >= 0, 'clean.min_size', clean.min_size, 'integer >= 0')
  _require(_is_int(clean.near_duplicate_threshold) and -1 <= clean.near_duplicate_threshold <= 16,
           'clean.near_duplicate_threshold', clean.near_duplicate_threshold,
           'Hamming distance in [0, 16] bits of 64, or -1 (off)')
  _require(_is_number(clean.copy_max_distance) and 0 < clean.copy_max_distance <= 1, 'clean.copy_max_distance',
           clean.copy_max_distance, 'copy distance in (0, 1] (RMS difference in std units; copies ~0.01-0.04)')
  _require(_is_number(clean.max_class_share_change) and 0 <= clean.max_class_share_change <= 100,
           'clean.max_class_share_change', clean.max_class_share_change, 'percentage points in [0, 100]')
  OUTLIER_SCORES.check(clean.outlier_score)
  _require(isinstance(clean.outlier_threshold, (int, float)) and clean.outlier_threshold > 0,
           'clean.outlier_threshold', clean.outlier_threshold, 'must be > 0')


def _check_imbalance_and_synthetic(data) -> None:
  _require(isinstance(data.imbalance_factor, (int, float)) and not isinstance(data.imbalance_factor, bool)
           and 1 <= data.imbalance_factor < float('inf'), 'imbalance_factor', data.imbalance_factor,
           'must be a number >= 1 (largest / smallest train class; 1 = the split as it is)')
  FILLS.check(data.synthetic_fill)
  _require(isinstance(data.synthetic_fraction, (int, float)) and 0 <= data.synthetic_fraction < float('inf'),
           'synthetic_fraction', data.synthetic_fraction, 'must be a number >= 0')
  _require(not data.synthetic_path or os.path.isdir(data.synthetic_path), 'synthetic_path', data.synthetic_path,
           'folder not found (a class-per-subfolder image folder, e.g. from --mode=synthesize)')
  _require(not (data.synthetic_path and data.rebalance == 'smote'), 'synthetic_path', data.synthetic_path,
           'data.rebalance=smote balances the real train split itself; use one of the two')


def validate_data_config(config) -> None:
  """Raises ConfigError (one line naming the field) for any invalid config.data value.

  Cheap and offline: reads no data (image_folder only checks that the folder exists). The global batch
  is checked against config.num_processes when that is set; the device count is the trainer's check.
  """
  data = config.data
  _require(isinstance(data.name, str) and bool(data.name), 'name', data.name, 'a dataset name')
  _require(_is_int(data.image_size) and data.image_size >= 4, 'image_size', data.image_size, 'integer >= 4')
  _require(data.channels in (1, 3), 'channels', data.channels, 'allowed: 1, 3')
  _require(_is_int(data.num_samples), 'num_samples', data.num_samples, 'integer')
  _require(data.resize_method in _RESIZE_METHODS, 'resize_method', data.resize_method,
           f'allowed: {", ".join(_RESIZE_METHODS)}')
  _require(_is_int(data.split_seed), 'split_seed', data.split_seed, 'integer')
  _require(_is_int(data.prefetch) and data.prefetch >= -1, 'prefetch', data.prefetch,
           'batches to prefetch: integer >= 0, or -1 for AUTOTUNE')
  _check_fractions(data)
  _check_rebalance(data)
  _check_augment(data)
  _check_clean(data)
  _check_imbalance_and_synthetic(data)
  TRANSFORMS.check(data.transform)
  batch, processes = config.train.batch_size, config.get('num_processes', 0) or 0
  if processes > 0 and batch % processes:
    raise ConfigError(f'train.batch_size={batch}: must divide by num_processes={processes} (each process '
                      'reads an equal share)')
  get_source(data.name).validate(data)
  if config.data_b.name:   # domain b: its source's own keys (the other data.* keys are domain a's, checked above)
    _check_domain_b(config)


def _check_domain_b(config) -> None:
  """data_b's keys, checked as domain b's data.* and named data_b.* in the error (one line)."""
  from gan_jax.data.two_domain import DOMAIN_B_KEYS, domain_b_config  # pylint: disable=g-import-not-at-top
  TRANSFORMS.check(config.data_b.transform, 'data_b.transform')
  try:
    get_source(config.data_b.name).validate(domain_b_config(config).data)
  except ConfigError as error:
    message = str(error)
    for key in DOMAIN_B_KEYS:   # the source names its own keys data.*: here they are domain b's
      message = message.replace(f'data.{key}', f'data_b.{key}')
    raise ConfigError(message) from None
