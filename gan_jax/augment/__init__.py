"""On-device augmentation of what D sees (reals AND fakes, differentiably): DiffAugment and ADA.

  augment = make_augment('color,translation,cutout')   # None for ''
  x_aug = augment(x, key, p)                           # x [B, H, W, C] in [-1, 1]; pure, jit-able
The adaptive p of ADA lives in the train state (`gan_jax.augment.adaptive`). The tf.data augmentation of
`gan_jax.data.augment` is a different thing: host-side, reals only.
"""

from gan_jax.augment.adaptive import accumulate_signs, adjust_p, init_ada_state
from gan_jax.augment.config import validate_gan_aug_config
from gan_jax.augment.policies import POLICIES, make_augment, parse_policy, uses_ada

__all__ = ['POLICIES', 'accumulate_signs', 'adjust_p', 'init_ada_state', 'make_augment', 'parse_policy',
           'uses_ada', 'validate_gan_aug_config']
