"""Metrics and evaluation: exact, robust metric functions, feature extractors, the Evaluator.

Metric functions take numpy or jax arrays and compute in float64 where it matters.
"""

from gan_jax.metrics.frechet import (GaussianStats, TooFewSamplesError, fid_from_features, fid_from_stats,
                                     frechet_distance, gaussian_stats)
from gan_jax.metrics.inception_score import inception_score
from gan_jax.metrics.intra_fid import intra_fid
from gan_jax.metrics.kid import kernel_inception_distance
from gan_jax.metrics.manifold import density_coverage, precision_recall
from gan_jax.metrics.modes import label_mode_stats, mode_stats_2d
from gan_jax.metrics.registry import METRICS

__all__ = [
    'GaussianStats', 'TooFewSamplesError', 'fid_from_features', 'fid_from_stats', 'frechet_distance',
    'gaussian_stats', 'inception_score', 'intra_fid', 'kernel_inception_distance', 'density_coverage',
    'precision_recall', 'label_mode_stats', 'mode_stats_2d', 'METRICS', 'train_classifier', 'Evaluator',
    'compare_results', 'validate_eval_config',
]


def __getattr__(name):
  # Heavier pieces (Flax, Orbax) load on first use so the metric functions stay cheap to import.
  if name == 'train_classifier':
    from gan_jax.metrics.classifier import train_classifier
    return train_classifier
  if name in ('Evaluator', 'compare_results'):
    from gan_jax.metrics import evaluator
    return getattr(evaluator, name)
  if name == 'validate_eval_config':
    from gan_jax.metrics.config import validate_eval_config
    return validate_eval_config
  raise AttributeError(name)
