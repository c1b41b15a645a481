"""k-NN manifold metrics: precision/recall (Kynkäänniemi et al. 2019), density/coverage (Naeem et al. 2020).

Directions (torch-fidelity issue 58 had them swapped):
  precision = fraction of FAKE samples inside the REAL manifold (union of real k-NN balls)  -> quality
  recall    = fraction of REAL samples inside the FAKE manifold (union of fake k-NN balls)  -> diversity
Distances are Euclidean in float64, computed in row chunks so 10k x 10k stays within memory.

Ball membership: precision/recall count a point ON the edge of a k-NN ball as inside (`<=`, Kynkaenniemi
et al.'s convention and torch-fidelity's); density/coverage use the strict `<` of Naeem et al.'s official
code (the `prdc` package), so density_coverage(x, x) gives density 1.0 and coverage 1.0 exactly as prdc does.
"""

from typing import Iterator, Tuple

import numpy as np

_CHUNK = 1024


def _chunks(n: int) -> Iterator[slice]:
  for start in range(0, n, _CHUNK):
    yield slice(start, min(start + _CHUNK, n))


def pairwise_distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
  """[n, D], [m, D] -> [n, m] Euclidean distances (float64).

  Summed in scikit-learn's order (-2ab + |a|^2 + |b|^2, clipped at 0), which prdc uses, so distances that
  decide ties (duplicates, equal k-NN radii) round the same way.
  """
  sq = -2 * (a @ b.T)
  sq += np.einsum('ij,ij->i', a, a)[:, None]
  sq += np.einsum('ij,ij->i', b, b)[None, :]
  return np.sqrt(np.maximum(sq, 0, out=sq), out=sq)


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


def _inside_counts(points: np.ndarray, centers: np.ndarray, radii: np.ndarray, strict: bool = False) -> np.ndarray:
  """[P] number of balls (centers, radii) containing each point (strict: distance < radius, else <=)."""
  inside = np.less if strict else np.less_equal
  counts = np.empty(points.shape[0], np.int64)
  for rows in _chunks(points.shape[0]):
    counts[rows] = inside(pairwise_distances(points[rows], centers), radii[None, :]).sum(1)
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

  density  = mean over fake of (number of real k-NN balls strictly containing it) / k   (can exceed 1)
  coverage = fraction of real samples whose own k-NN ball strictly contains at least one fake sample
  (strict `<` as in the prdc package: density_coverage(x, x) == (1.0, 1.0)).

  Ties are exact: distances go to the unique points of real and fake together, so identical vectors (a
  fake equal to a real's k-th neighbour, duplicates) get bit-identical distances whatever BLAS does with
  their positions in the matrix.
  """
  real, fake = _as_float64(real, fake)
  if real.shape[0] <= k:
    raise ValueError(f'k-NN radii need more than k={k} samples, got {real.shape[0]}')
  points, inverse = np.unique(np.concatenate([real, fake]), axis=0, return_inverse=True)
  inverse = inverse.reshape(-1)
  real_cols, fake_cols = inverse[:real.shape[0]], inverse[real.shape[0]:]
  radii = np.empty(real.shape[0])
  inside = np.zeros(fake.shape[0], np.int64)   # per fake: real balls strictly containing it
  nearest_fake = np.empty(real.shape[0])
  for rows in _chunks(real.shape[0]):
    dist = pairwise_distances(real[rows], points)
    radii[rows] = np.partition(dist[:, real_cols], k, axis=1)[:, k]   # column 0: the point itself
    to_fake = dist[:, fake_cols]
    inside += (to_fake < radii[rows, None]).sum(0)
    nearest_fake[rows] = to_fake.min(1)
  density = (1.0 / k) * inside.mean()   # prdc's order of operations (the same float)
  coverage = (nearest_fake < radii).mean()
  return float(density), float(coverage)
