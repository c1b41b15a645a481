"""Augmentations by name (`gan_aug.policy`, a comma-separated list applied in order), and their composition.

Every entry is `fn(x [B, H, W, C], key, p) -> x`: the DiffAugment policies ignore p, 'ada' applies each
of its ops with probability p (the train state's adaptive p).
"""

from typing import Callable, Optional, Tuple

import jax

from gan_jax.augment import ada, diffaugment
from gan_jax.core.errors import ConfigError
from gan_jax.core.registry import Registry

POLICIES = Registry('augmentation', 'gan_aug.policy')
AugmentFn = Callable[[jax.Array, jax.Array, jax.Array], jax.Array]

for _name in diffaugment.DIFF_AUGMENT_OPS:
  POLICIES.register(_name)(lambda x, key, p, _n=_name: diffaugment.diff_augment(x, key, (_n,)))
POLICIES.register('ada')(ada.ada_augment)


def parse_policy(policy: str) -> Tuple[str, ...]:
  """'color, translation' -> ('color', 'translation'); ConfigError (one line) for unknown or repeated names."""
  if not isinstance(policy, str):
    raise ConfigError(f'gan_aug.policy={policy!r} must be a string of comma-separated names '
                      f'({", ".join(POLICIES.names())}) or empty')
  names = tuple(n.strip() for n in policy.split(',')) if policy.strip() else ()
  for name in names:
    if name not in POLICIES:
      raise ConfigError(f'gan_aug.policy={policy!r}: {name!r} is not a known augmentation; allowed: '
                        f'{", ".join(POLICIES.names())} (comma-separated), or empty for none')
  if len(set(names)) != len(names):
    raise ConfigError(f'gan_aug.policy={policy!r} names an augmentation twice')
  return names


def make_augment(policy: str) -> Optional[AugmentFn]:
  """The composed augmentation of `policy`, or None for '' (no augmentation)."""
  fns = [POLICIES.get(name) for name in parse_policy(policy)]
  if not fns:
    return None

  def augment(x, key, p):
    for fn, k in zip(fns, jax.random.split(key, len(fns))):
      x = fn(x, k, p)
    return x
  return augment


def uses_ada(policy: str) -> bool:
  return 'ada' in parse_policy(policy)
