"""Weight initialisers from `config.model.init_std` (the DCGAN init: N(0, 0.02) weights, BN scale N(1, 0.02))."""

from typing import Callable

import flax.linen as nn
import jax
import jax.numpy as jnp


def kernel_init(std: float) -> Callable[..., jax.Array]:
  """N(0, std) for conv/dense kernels; std == 0 falls back to flax's default (LeCun normal)."""
  return nn.initializers.normal(std) if std > 0 else nn.initializers.lecun_normal()


def batch_norm_scale_init(std: float) -> Callable[..., jax.Array]:
  """N(1, std) for BatchNorm scales (std == 0: ones)."""
  def init(key, shape, dtype=jnp.float32):
    return 1 + std * jax.random.normal(key, shape, dtype)
  return init
