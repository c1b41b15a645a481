"""validate_gan_aug_config: the `gan_aug` section checked before anything compiles (one-line ConfigError)."""

import math

from gan_jax.augment.policies import parse_policy
from gan_jax.core.errors import ConfigError


def _is_number(value) -> bool:
  return not isinstance(value, bool) and isinstance(value, (int, float)) and math.isfinite(value)


def validate_gan_aug_config(config) -> None:
  aug = config.gan_aug
  parse_policy(aug.policy)
  if not (_is_number(aug.ada_target) and 0 < aug.ada_target < 1):
    raise ConfigError(f'gan_aug.ada_target={aug.ada_target!r} must be a number in (0, 1) '
                      '(the target of r_t = E[sign(D(real))]; 0.6 in the ADA paper)')
  if isinstance(aug.ada_interval, bool) or not isinstance(aug.ada_interval, int) or aug.ada_interval < 1:
    raise ConfigError(f'gan_aug.ada_interval={aug.ada_interval!r} must be an integer >= 1 (steps between '
                      'adjustments of p)')
  if not (_is_number(aug.ada_kimg) and aug.ada_kimg > 0):
    raise ConfigError(f'gan_aug.ada_kimg={aug.ada_kimg!r} must be a number > 0 (thousands of images for p '
                      'to move by 1)')
  if not (_is_number(aug.ada_p) and aug.ada_p >= 0):
    raise ConfigError(f'gan_aug.ada_p={aug.ada_p!r} must be a number >= 0 (the initial p)')
