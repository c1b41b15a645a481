"""Maxout units (Goodfellow et al., 2013): the max over `pieces` affine functions per unit."""

from typing import Any, Callable

import flax.linen as nn
import jax
import jax.numpy as jnp


class Maxout(nn.Module):
  """[..., in] -> [..., units]: Dense to units * pieces, then the max over each unit's pieces."""
  units: int
  pieces: int
  use_bias: bool = True
  dtype: Any = None
  param_dtype: Any = jnp.float32
  kernel_init: Callable[..., jax.Array] = nn.initializers.lecun_normal()

  @nn.compact
  def __call__(self, x: jax.Array) -> jax.Array:
    y = nn.Dense(self.units * self.pieces, use_bias=self.use_bias, dtype=self.dtype,
                 param_dtype=self.param_dtype, kernel_init=self.kernel_init)(x)
    return jnp.max(y.reshape(*y.shape[:-1], self.units, self.pieces), axis=-1)
