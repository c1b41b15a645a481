"""Kernel inception distance: unbiased MMD^2 with a polynomial kernel, averaged over random subsets.

Matches torch-fidelity (KID paper, Binkowski et al. 2018): k(x, y) = (gamma <x, y> + coef0)^degree,
gamma = 1/D by default, subsets drawn without replacement with np.random.RandomState(rng_seed).
Unlike torch-fidelity, a subset_size larger than either set is clipped to the smaller set size.
"""

from typing import Tuple

import numpy as np


def polynomial_kernel(x, y, degree: int = 3, gamma=None, coef0: float = 1.0) -> np.ndarray:
  gamma = 1.0 / x.shape[1] if gamma is None else gamma
  return (gamma * (x @ y.T) + coef0) ** degree


def mmd2_unbiased(k_xx: np.ndarray, k_yy: np.ndarray, k_xy: np.ndarray) -> float:
  """Unbiased MMD^2 (within-set diagonals excluded) from kernel matrices [m,m], [n,n], [m,n]."""
  m, n = k_xx.shape[0], k_yy.shape[0]
  xx = (k_xx.sum() - np.trace(k_xx)) / (m * (m - 1))
  yy = (k_yy.sum() - np.trace(k_yy)) / (n * (n - 1))
  return float(xx + yy - 2 * k_xy.sum() / (m * n))


def kernel_inception_distance(real, fake, subsets: int = 100, subset_size: int = 1000, degree: int = 3,
                              gamma=None, coef0: float = 1.0, rng_seed: int = 2020) -> Tuple[float, float]:
  """real [N, D], fake [M, D] -> (mean, std) of MMD^2 over `subsets` random subsets."""
  real, fake = np.asarray(real, np.float64), np.asarray(fake, np.float64)
  size = min(subset_size, real.shape[0], fake.shape[0])
  if size < 2:
    raise ValueError(f'KID needs at least 2 samples per set, got {real.shape[0]} real and {fake.shape[0]} fake')
  rng = np.random.RandomState(rng_seed)
  values = np.empty(subsets)
  for i in range(subsets):
    x = real[rng.choice(real.shape[0], size, replace=False)]
    y = fake[rng.choice(fake.shape[0], size, replace=False)]
    kernel = lambda a, b: polynomial_kernel(a, b, degree, gamma, coef0)
    values[i] = mmd2_unbiased(kernel(x, x), kernel(y, y), kernel(x, y))
  return float(values.mean()), float(values.std())
