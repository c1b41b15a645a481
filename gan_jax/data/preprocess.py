"""Scaling to [-1, 1] and per-channel standardisation (statistics from the train split only).

Resizing happens once, in the cleaning stage (`cleaning.resize_images`), so the cached arrays are
uint8 at the output resolution; the affine steps below run per batch (cheap, and the same function is
used eagerly for `split_arrays` and inside tf.data for training).
"""

from typing import Optional, Tuple

import numpy as np

from gan_jax.data.tf_env import tf


def to_unit_range(pixels):
  """uint8 [..., C] in [0, 255] -> float32 in [-1, 1] (tf tensor)."""
  return tf.cast(pixels, tf.float32) / 127.5 - 1.0


def channel_stats(train_pixels: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
  """Per-channel (mean, std) float32 [C] of uint8 images [N, H, W, C], measured in the [-1, 1] range."""
  flat = train_pixels.reshape(-1, train_pixels.shape[-1]).astype(np.float64) / 127.5 - 1.0
  return flat.mean(axis=0).astype(np.float32), np.maximum(flat.std(axis=0), 1e-6).astype(np.float32)


def finish(images, stats: Optional[Tuple[np.ndarray, np.ndarray]]):
  """Applies standardisation when `stats` is given: (x - mean) / std per channel; else the identity."""
  if stats is None:
    return images
  mean, std = stats
  return (images - tf.constant(mean)) / tf.constant(std)
