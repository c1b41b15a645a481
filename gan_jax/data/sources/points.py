"""PacGAN's 2D Gaussian mixtures: `ring2d` (8 modes on the unit circle) and `grid2d` (25 modes on a grid)."""

import numpy as np

from gan_jax.core.errors import ConfigError
from gan_jax.data import records
from gan_jax.data.sources.registry import SOURCES, Source

_CHUNK = 10_000


def ring_centers() -> np.ndarray:
  """float64 [8, 2]: means evenly spaced on the unit circle."""
  angles = 2 * np.pi * np.arange(8) / 8
  return np.stack([np.cos(angles), np.sin(angles)], axis=1)


def grid_centers() -> np.ndarray:
  """float64 [25, 2]: means at {-4, -2, 0, 2, 4}^2."""
  axis = np.arange(-4.0, 5.0, 2.0)
  return np.stack(np.meshgrid(axis, axis, indexing='ij'), axis=-1).reshape(-1, 2)


def sample_mixture(centers: np.ndarray, std: float, num: int, seed: int):
  """(points float32 [num, 2], labels int64 [num]): uniform mode choice, isotropic Gaussian noise."""
  rng = np.random.default_rng([seed, 2])
  labels = rng.integers(0, len(centers), size=num)
  points = centers[labels] + std * rng.standard_normal((num, 2))
  return points.astype(np.float32), labels.astype(np.int64)


class MixtureSource(Source):
  """`num_samples` points of a fixed 2D mixture, generated from data.split_seed; label = mode index."""

  kind = 'points'
  centers_fn = None
  std = None

  def validate(self, data_config) -> None:
    if data_config.num_samples < 1:
      raise ConfigError(f'data.num_samples={data_config.num_samples}: must be >= 1')
    for op, prob in data_config.augment.items():
      if prob:
        raise ConfigError(f'data.augment.{op}={prob}: augmentation is for images, {data_config.name} is 2D points')
    if data_config.standardize:
      raise ConfigError(f'data.standardize=True: {data_config.name} points are raw coordinates, not rescaled')

  def load(self, data_config) -> records.SourceData:
    centers = type(self).centers_fn()
    points, labels = sample_mixture(centers, self.std, data_config.num_samples, data_config.split_seed)

    def chunks():
      for start in range(0, len(points), _CHUNK):
        stop = min(start + _CHUNK, len(points))
        yield records.RecordChunk(sources=[f'{data_config.name}/{i}' for i in range(start, stop)],
                                  labels=labels[start:stop], payload=points[start:stop])

    return records.SourceData(kind='points', chunks=chunks(), num_classes=len(centers), synthetic=True,
                              mode_centers=centers, mode_std=self.std)


@SOURCES.register('ring2d')
class Ring2D(MixtureSource):
  centers_fn = staticmethod(ring_centers)
  std = 0.01


@SOURCES.register('grid2d')
class Grid2D(MixtureSource):
  centers_fn = staticmethod(grid_centers)
  std = 0.05
