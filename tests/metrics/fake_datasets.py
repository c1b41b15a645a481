"""Small in-memory datasets following gan_jax.data's contract (kind, example_shape, num_classes,
split_arrays, mode_centers, mode_std, name), for metric tests that must not depend on the data stage."""

from typing import Dict, Optional

import numpy as np


class FakeDataset:

  def __init__(self, name, kind, splits: Dict[str, Dict[str, np.ndarray]], num_classes=0,
               mode_centers: Optional[np.ndarray] = None, mode_std: Optional[float] = None):
    self.name, self.kind, self._splits = name, kind, splits
    self.example_shape = splits['train']['image'].shape[1:]
    self.num_classes, self.mode_centers, self.mode_std = num_classes, mode_centers, mode_std

  def split_arrays(self, split):
    return dict(self._splits[split])


def _split(images, labels, seed=0, val_fraction=0.1, test_fraction=0.1):
  order = np.random.RandomState(seed).permutation(len(images))
  n_val, n_test = int(len(images) * val_fraction), int(len(images) * test_fraction)
  parts = {'val': order[:n_val], 'test': order[n_val:n_val + n_test], 'train': order[n_val + n_test:]}
  return {name: {'image': images[idx].astype(np.float32), 'label': labels[idx].astype(np.int32)}
          for name, idx in parts.items()}


def digits_dataset(image_size=32):
  """sklearn digits (1797 images, 8x8, 0..16) bilinearly resized to image_size, scaled to [-1, 1]."""
  import jax
  from sklearn.datasets import load_digits
  digits = load_digits()
  images = digits.images[..., None].astype(np.float32) / 8.0 - 1.0
  images = np.asarray(jax.image.resize(images, (len(images), image_size, image_size, 1), 'bilinear'))
  return FakeDataset('digits', 'image', _split(np.clip(images, -1, 1), digits.target), num_classes=10)


def ring_centers(num_modes=8, radius=2.0):
  angles = 2 * np.pi * np.arange(num_modes) / num_modes
  return np.stack([radius * np.cos(angles), radius * np.sin(angles)], axis=1)


def grid_centers(side=5, spacing=2.0):
  coords = (np.arange(side) - (side - 1) / 2) * spacing
  return np.stack(np.meshgrid(coords, coords), -1).reshape(-1, 2)


def mixture_samples(centers, std, n, seed=0):
  rng = np.random.RandomState(seed)
  return (centers[rng.randint(0, len(centers), n)] + std * rng.randn(n, 2)).astype(np.float32)


def points_dataset(centers, std, n=3000, seed=0):
  points = mixture_samples(centers, std, n, seed)
  return FakeDataset('ring2d', 'points', _split(points, np.zeros(n, np.int32)), mode_centers=centers, mode_std=std)
