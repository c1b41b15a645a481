"""k-NN manifold metrics: precision/recall (Kynkäänniemi et al. 2019), density/coverage (Naeem et al. 2020).

Directions (torch-fidelity issue 58 had them swapped):
  precision = fraction of FAKE samples inside the REAL manifold (union of real k-NN balls)  -> quality
  recall    = fraction of REAL samples inside the FAKE manifold (union of fake k-NN balls)  -> diversity
Distances are Euclidean in float64, computed in row chunks so 10k x 10k stays within memory.
"""

from typing import Iterator, Tuple

import numpy as np

_CHUNK = 1024


def _chunks(n: int) -> Iterator[slice]:
  for start in range(0, n, _CHUNK):
    yield slice(start, min(start + _CHUNK, n))


def pairwise_distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
  """[n, D], [m, D] -> [n, m] Euclidean distances (float64)."""
  sq = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2 * a @ b.T
  return np.sqrt(np.clip(sq, 0, None))


def knn_radii(x: np.ndarray, k: int) -> np.ndarray:
  """[N, D] -> [N]: distance of each point to its k-th nearest other point of the same set."""
  if x.shape[0] <= k:
    raise ValueError(f'k-NN radii need more than k={k} samples, got {x.shape[0]}')
  radii = np.empty(x.shape[0])
  for rows in _chunks(x.shape[0]):
    dist = pairwise_distances(x[rows], x)
    # Column k of the sorted row: column 0 is the point itself (distance 0).
    radii[rows] = np.partition(dist, k, axis=1)[:, k]
  return radii


def _inside_counts(points: np.ndarray, centers: np.ndarray, radii: np.ndarray) -> np.ndarray:
  """[P] number of balls (centers, radii) containing each point."""
  counts = np.empty(points.shape[0], np.int64)
  for rows in _chunks(points.shape[0]):
    counts[rows] = (pairwise_distances(points[rows], centers) <= radii[None, :]).sum(1)
  return counts


def _as_float64(real, fake) -> Tuple[np.ndarray, np.ndarray]:
  return np.asarray(real, np.float64), np.asarray(fake, np.float64)


def precision_recall(real, fake, k: int = 3) -> Tuple[float, float]:
  """real [N, D], fake [M, D] -> (precision, recall) in [0, 1]."""
  real, fake = _as_float64(real, fake)
  precision = (_inside_counts(fake, real, knn_radii(real, k)) > 0).mean()
  recall = (_inside_counts(real, fake, knn_radii(fake, k)) > 0).mean()
  return float(precision), float(recall)


def density_coverage(real, fake, k: int = 5) -> Tuple[float, float]:
  """real [N, D], fake [M, D] -> (density, coverage).

  density  = mean over fake of (number of real k-NN balls containing it) / k   (can exceed 1)
  coverage = fraction of real samples whose own k-NN ball contains at least one fake sample
  """
  real, fake = _as_float64(real, fake)
  radii = knn_radii(real, k)
  density = _inside_counts(fake, real, radii).mean() / k
  nearest_fake = np.empty(real.shape[0])
  for rows in _chunks(real.shape[0]):
    nearest_fake[rows] = pairwise_distances(real[rows], fake).min(1)
  coverage = (nearest_fake <= radii).mean()
  return float(density), float(coverage)
