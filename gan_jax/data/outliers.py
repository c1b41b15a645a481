"""Outlier scores over a feature embedding (the 8x8 low-frequency DCT of each image)."""

import numpy as np

from gan_jax.core.registry import Registry

OUTLIER_SCORES = Registry('outlier score', 'data.clean.outlier_score')
_MAD_TO_STD = 1.4826   # MAD of a normal distribution times this is its standard deviation


@OUTLIER_SCORES.register('none')
def no_score(features: np.ndarray) -> np.ndarray:
  """float64 [n] of zeros: nothing is an outlier."""
  return np.zeros(len(features))


@OUTLIER_SCORES.register('mad')
def mad_score(features: np.ndarray) -> np.ndarray:
  """Robust z-score of each example's distance to the coordinate-wise median: (d - med d) / (1.4826 MAD d).

  features: [n, F]. Medians, not means, so that the outliers themselves do not move the reference.
  """
  if len(features) < 3:
    return np.zeros(len(features))
  distance = np.linalg.norm(features - np.median(features, axis=0), axis=1)
  centre = np.median(distance)
  spread = _MAD_TO_STD * np.median(np.abs(distance - centre))
  return (distance - centre) / max(spread, 1e-12)
