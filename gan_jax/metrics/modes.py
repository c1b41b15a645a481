"""Mode statistics: 2D Gaussian mixtures (VEEGAN/PacGAN protocol) and labelled modes (stacked digits).

2D protocol, as PacGAN's evaluation code (fjxmlzn/PacGAN, MetricLogger) and VEEGAN:
  * a sample is high quality when its distance to the nearest mode centre is below `threshold` (3)
    standard deviations;
  * each high-quality sample is assigned to that nearest mode; a mode is covered when it holds at least
    `min_count` high-quality samples (PacGAN: 1, the default);
  * reverse KL = KL(p || uniform) of the histogram of high-quality samples over modes, with 0 log 0 = 0:
    0 when all modes are equally hit, log(K) when all samples fall into one mode, inf with no
    high-quality sample at all.
"""

from typing import Dict, Optional

import numpy as np


def _kl(p: np.ndarray, q: np.ndarray) -> float:
  """KL(p || q) of two histograms (normalised here), 0 log 0 = 0; inf if p > 0 where q = 0."""
  if p.sum() == 0:
    return float('inf')
  p, q = p / p.sum(), q / q.sum()
  support = p > 0
  if np.any(q[support] == 0):
    return float('inf')
  return float(np.sum(p[support] * np.log(p[support] / q[support])))


def mode_stats_2d(samples, centers, std: float, threshold: float = 3.0, min_count: int = 1) -> Dict[str, float]:
  """samples [N, 2], centers [K, 2], isotropic std -> {'modes', 'high_quality', 'reverse_kl'}.

  modes: number of covered modes (0..K); high_quality: fraction of samples within `threshold` std of
  their nearest centre; reverse_kl: KL(mode histogram of high-quality samples || uniform).
  """
  samples, centers = np.asarray(samples, np.float64), np.asarray(centers, np.float64)
  dist = np.sqrt(((samples[:, None, :] - centers[None, :, :]) ** 2).sum(-1)) / std
  nearest = dist.argmin(1)
  good = dist[np.arange(samples.shape[0]), nearest] < threshold
  counts = np.bincount(nearest[good], minlength=centers.shape[0]).astype(np.float64)
  return {
      'modes': float((counts >= min_count).sum()),
      'high_quality': float(good.mean()),
      'reverse_kl': _kl(counts, np.ones_like(counts)),
  }


def label_mode_stats(pred_labels, num_modes: int, reference=None, min_count: int = 1) -> Dict[str, float]:
  """pred_labels [N] ints in [0, num_modes) -> {'modes', 'reverse_kl'}.

  modes: labels predicted at least `min_count` times (stacked digits: out of 1000). reverse_kl:
  KL(predicted label histogram || reference), the reference being uniform (default) or the label
  histogram of `reference` (e.g. the real split's labels [M]).
  """
  pred_labels = np.asarray(pred_labels, np.int64)
  if pred_labels.size and (pred_labels.min() < 0 or pred_labels.max() >= num_modes):
    raise ValueError(f'labels must lie in [0, {num_modes}), got range [{pred_labels.min()}, {pred_labels.max()}]')
  counts = np.bincount(pred_labels, minlength=num_modes).astype(np.float64)
  if reference is None:
    target = np.ones(num_modes)
  else:
    target = np.bincount(np.asarray(reference, np.int64), minlength=num_modes).astype(np.float64)
  return {'modes': float((counts >= min_count).sum()), 'reverse_kl': _kl(counts, target)}
