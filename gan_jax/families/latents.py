"""Latents and labels every generative family draws the same way: prior draws (truncation, temperature),
class-balanced labels, and the sample_fn signature the evaluators and outputs call."""

from typing import Callable

import jax
import jax.numpy as jnp
import numpy as np

SampleFn = Callable[..., np.ndarray]   # sample_fn(num, seed, labels=None) -> float32 [num, *example_shape]


def balanced_labels(num: int, num_classes: int) -> np.ndarray:
  """int32 [num]: 0, 1, ..., K-1, 0, 1, ... (what a conditional sample_fn uses when labels is None)."""
  return (np.arange(num) % num_classes).astype(np.int32)


def draw_latents(key: jax.Array, shape, truncation: float = 0.0, temperature: float = 1.0) -> jax.Array:
  """N(0, 1) latents (truncated to [-truncation, truncation] when truncation > 0) times temperature."""
  z = (jax.random.truncated_normal(key, -truncation, truncation, shape, jnp.float32) if truncation > 0
       else jax.random.normal(key, shape, jnp.float32))
  return z * temperature
