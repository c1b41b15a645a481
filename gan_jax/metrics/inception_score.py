"""Inception score as torch-fidelity defines it (shuffle with RandomState(2020), float64, np.std)."""

from typing import Tuple

import numpy as np
from scipy.special import log_softmax


def inception_score(logits, splits: int = 10, shuffle: bool = True, rng_seed: int = 2020) -> Tuple[float, float]:
  """logits: [N, K] classifier logits -> (mean, std) over `splits` contiguous chunks.

  Per chunk: exp(mean_i KL(p(y|x_i) || p(y))) with p(y) the chunk's mean prediction. Chunk k spans
  rows [k*N//splits, (k+1)*N//splits) after an optional seeded shuffle, as torch-fidelity. Range [1, K].
  """
  logits = np.asarray(logits, np.float64)
  n = logits.shape[0]
  if logits.ndim != 2 or splits < 1 or n < splits:
    raise ValueError(f'inception_score needs logits [N, K] with N >= splits={splits}, got {logits.shape}')
  if shuffle:
    logits = logits[np.random.RandomState(rng_seed).permutation(n)]
  log_p = log_softmax(logits, axis=1)
  p = np.exp(log_p)
  scores = []
  for k in range(splits):
    rows = slice(k * n // splits, (k + 1) * n // splits)
    log_marginal = np.log(p[rows].mean(axis=0, keepdims=True))
    kl = (p[rows] * (log_p[rows] - log_marginal)).sum(axis=1).mean()
    scores.append(np.exp(kl))
  return float(np.mean(scores)), float(np.std(scores))
