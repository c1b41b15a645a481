"""validate_eval_config: the eval section's names and cross-key rules, checked before anything compiles.

Types and ranges (eval.num_samples, eval.batch_size, eval.every_steps, the classifier section) are the schema's,
checked before this (gan_jax.config_checks). eval.classifier_dir need not exist yet: --mode=train_classifier
writes it (the Evaluator checks).
"""

import os

from gan_jax.core.errors import ConfigError
from gan_jax.metrics.extractors import EXTRACTORS, extractor_dim
from gan_jax.metrics.registry import METRICS
from gan_jax.models import POINT_DATASETS   # 2D sources: their features are the raw points (dimension 2)


def validate_eval_config(config) -> None:
  """Raises ConfigError (one line naming the key) for an eval config that cannot work."""
  ev = config.eval
  metrics = (ev.metrics,) if isinstance(ev.metrics, str) else tuple(ev.metrics)
  for name in metrics:
    METRICS.check(name)
  EXTRACTORS.check(ev.extractor)
  needs_conditional = [name for name in metrics if 'conditional' in METRICS.get(name).requires]
  if needs_conditional and config.model.conditional == 'none':
    raise ConfigError(f'eval.metrics: {", ".join(needs_conditional)} need a class-conditional model; '
                      "model.conditional='none' (allowed: projection, acgan)")
  points = config.data.name in POINT_DATASETS
  if not points and ev.extractor == 'inception':
    if not ev.inception_weights or not os.path.isfile(ev.inception_weights):
      raise ConfigError(f'eval.inception_weights={ev.inception_weights!r} is not a file; convert pytorch-fid '
                        'weights with python -m gan_jax.metrics.convert_inception (see README)')
  dim = extractor_dim(config, 'points' if points else 'image')
  if any(METRICS.get(name).uses_covariance for name in metrics) and ev.num_samples <= dim:
    raise ConfigError(f'eval.num_samples={ev.num_samples} is too small for FID with {dim}-d features '
                      f'(eval.extractor={ev.extractor!r}): use more than {dim}')
  if 'is' in metrics and points:
    raise ConfigError(f"eval.metrics: 'is' needs images; data.name={config.data.name!r} is a 2D point dataset")
