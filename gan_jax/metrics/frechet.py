"""Fréchet distance between Gaussians fitted to features (FID), as pytorch-fid defines it.

d^2 = |mu1 - mu2|^2 + tr(S1) + tr(S2) - 2 tr((S1 S2)^{1/2})

The trace of the matrix square root is computed without forming sqrtm(S1 S2): S1 S2 is similar to the
symmetric PSD matrix A = S1^{1/2} S2 S1^{1/2}, so tr((S1 S2)^{1/2}) = sum(sqrt(eig(A))). Both square
roots come from `eigh` with eigenvalues clipped at 0, so the result is always real and finite for
covariance inputs (scipy's sqrtm can return imaginary parts or NaN on near-singular products, pytorch-fid's
most reported bug). On well-conditioned inputs it equals pytorch-fid's value to ~1e-10 relative.
"""

from typing import NamedTuple

import numpy as np


class TooFewSamplesError(ValueError):
  """Covariance of n <= dim samples is singular: FID would be dominated by that, not by the model."""


class GaussianStats(NamedTuple):
  """Mean [D], covariance [D, D] (float64, ddof=1 as np.cov) and the number of samples behind them."""
  mu: np.ndarray
  sigma: np.ndarray
  n: int


def gaussian_stats(features) -> GaussianStats:
  """features: [N, D] -> GaussianStats in float64 (the accumulation precision pytorch-fid uses)."""
  x = np.asarray(features, dtype=np.float64)
  if x.ndim != 2 or x.shape[0] < 2:
    raise TooFewSamplesError(f'need features of shape [N >= 2, D], got {x.shape}')
  return GaussianStats(x.mean(axis=0), np.cov(x, rowvar=False), x.shape[0])


def _psd_sqrt(matrix: np.ndarray) -> np.ndarray:
  eigvals, eigvecs = np.linalg.eigh((matrix + matrix.T) / 2)
  return (eigvecs * np.sqrt(np.clip(eigvals, 0, None))) @ eigvecs.T


def trace_sqrt_product(sigma1, sigma2) -> float:
  """tr((sigma1 @ sigma2)^{1/2}) for symmetric PSD sigma1, sigma2, computed in the symmetric form."""
  root1 = _psd_sqrt(np.asarray(sigma1, np.float64))
  middle = root1 @ np.asarray(sigma2, np.float64) @ root1
  eigvals = np.linalg.eigvalsh((middle + middle.T) / 2)
  return float(np.sqrt(np.clip(eigvals, 0, None)).sum())


def frechet_distance(mu1, sigma1, mu2, sigma2) -> float:
  """Squared Fréchet distance between N(mu1, sigma1) and N(mu2, sigma2); mu: [D], sigma: [D, D].

  Always a finite float >= 0 (up to rounding) for PSD sigmas; never imaginary or NaN.
  """
  mu1, mu2 = np.asarray(mu1, np.float64), np.asarray(mu2, np.float64)
  sigma1, sigma2 = np.asarray(sigma1, np.float64), np.asarray(sigma2, np.float64)
  if mu1.shape != mu2.shape or sigma1.shape != sigma2.shape or sigma1.shape != mu1.shape * 2:
    raise ValueError(f'mismatched statistics: mu {mu1.shape} vs {mu2.shape}, sigma {sigma1.shape} vs {sigma2.shape}')
  if not all(np.isfinite(a).all() for a in (mu1, mu2, sigma1, sigma2)):
    raise ValueError('statistics contain NaN or Inf (non-finite features?)')
  diff = mu1 - mu2
  value = diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2 * trace_sqrt_product(sigma1, sigma2)
  return float(value)


def check_sample_count(n: int, dim: int, what: str = 'features') -> None:
  """Raises TooFewSamplesError unless n > dim (otherwise the covariance is singular)."""
  if n <= dim:
    raise TooFewSamplesError(
        f'FID needs more samples than feature dimensions: got {n} {what} of dimension {dim} '
        f'(covariance rank <= {n - 1} < {dim}); use more than {dim} samples, a lower-dimensional '
        "extractor, or on_singular='regularize'")


def fid_from_stats(stats1: GaussianStats, stats2: GaussianStats, on_singular: str = 'error',
                   eps: float = 1e-6) -> float:
  """FID between two GaussianStats.

  on_singular='error' (default) raises TooFewSamplesError when either side has n <= dim.
  on_singular='regularize' adds eps * I to both covariances instead (pytorch-fid's fallback offset); the
  value is then finite but biased and not comparable with FIDs computed from enough samples.
  """
  dim = stats1.mu.shape[0]
  sigma1, sigma2 = stats1.sigma, stats2.sigma
  if on_singular == 'error':
    check_sample_count(stats1.n, dim, 'real features')
    check_sample_count(stats2.n, dim, 'fake features')
  elif on_singular == 'regularize':
    if min(stats1.n, stats2.n) <= dim:
      offset = eps * np.eye(dim)
      sigma1, sigma2 = sigma1 + offset, sigma2 + offset
  else:
    raise ValueError(f"on_singular must be 'error' or 'regularize', got {on_singular!r}")
  return frechet_distance(stats1.mu, sigma1, stats2.mu, sigma2)


def fid_from_features(real, fake, on_singular: str = 'error') -> float:
  """FID between feature sets real [N, D] and fake [M, D] (numpy or jax arrays)."""
  return fid_from_stats(gaussian_stats(real), gaussian_stats(fake), on_singular=on_singular)
