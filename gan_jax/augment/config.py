"""validate_gan_aug_config: the `gan_aug` section checked before anything compiles (one-line ConfigError).

The numbers (ada_target, ada_interval, ada_kimg, ada_p) are the schema's, checked before this
(gan_jax.config_checks); here the policy names.
"""

from gan_jax.augment.policies import parse_policy


def validate_gan_aug_config(config) -> None:
  parse_policy(config.gan_aug.policy)
