"""MLP generator and discriminator, for 2D point data (PacGAN / VEEGAN's synthetic experiments).

PacGAN's 2D setup: G = 4 hidden layers of 400 ReLU units with BatchNorm (`g_depth=4, g_hidden=400,
g_batch_norm=True`); D = 3 maxout layers of 200 units with 5 pieces (`d_depth=3, d_hidden=200,
d_maxout_pieces=5`), scoring `pack` samples at once. The models also accept images (flattened;
G then ends in tanh), which is handy for tiny smoke tests.
"""

import math
from typing import Any, Optional, Sequence, Tuple

import flax.linen as nn
import jax
import jax.numpy as jnp

from gan_jax.core.errors import ConfigError
from gan_jax.models.activations import ACTIVATIONS
from gan_jax.models.checks import require_positive_int
from gan_jax.models.initializers import batch_norm_scale_init, kernel_init
from gan_jax.models.maxout import Maxout
from gan_jax.models.packing import pack_samples
from gan_jax.models.precision import COMPUTE_DTYPES


def _batch_norm(train: bool, dtype: Any, init_std: float) -> nn.BatchNorm:
  return nn.BatchNorm(use_running_average=not train, momentum=0.9, epsilon=1e-5, dtype=dtype,
                      scale_init=batch_norm_scale_init(init_std))


class MLPGenerator(nn.Module):
  """z [B, latent_dim] -> samples float32 [B, *example_shape] (linear for points, tanh for images)."""
  example_shape: Tuple[int, ...]
  depth: int
  hidden: int
  batch_norm: bool
  activation: str = 'relu'
  dtype: Any = jnp.float32
  init_std: float = 0.02

  @nn.compact
  def __call__(self, z: jax.Array, labels: Optional[jax.Array] = None, train: bool = False) -> jax.Array:
    del labels   # unconditional (model validation rejects model.conditional for mlp)
    x = z
    for _ in range(self.depth):
      # A bias before BatchNorm is cancelled by its mean subtraction.
      x = nn.Dense(self.hidden, use_bias=not self.batch_norm, dtype=self.dtype,
                   kernel_init=kernel_init(self.init_std))(x)
      if self.batch_norm:
        x = _batch_norm(train, self.dtype, self.init_std)(x)
      x = ACTIVATIONS[self.activation](x)
    x = nn.Dense(math.prod(self.example_shape), dtype=self.dtype,
                 kernel_init=kernel_init(self.init_std))(x)
    x = x.reshape(x.shape[0], *self.example_shape)
    if len(self.example_shape) == 3:   # images live in [-1, 1]
      x = jnp.tanh(x)
    return x.astype(jnp.float32)


class MLPDiscriminator(nn.Module):
  """samples [B, *example_shape] -> logits float32 [B // pack]. Maxout layers when maxout_pieces > 1."""
  depth: int
  hidden: int
  batch_norm: bool
  maxout_pieces: int = 0
  activation: str = 'relu'
  pack: int = 1
  dtype: Any = jnp.float32
  init_std: float = 0.02

  @nn.compact
  def __call__(self, x: jax.Array, labels: Optional[jax.Array] = None, train: bool = False) -> jax.Array:
    del labels
    x = pack_samples(x, self.pack)
    x = x.reshape(x.shape[0], -1)
    use_maxout = self.maxout_pieces > 1
    for _ in range(self.depth):
      if use_maxout:   # maxout is its own nonlinearity
        x = Maxout(self.hidden, self.maxout_pieces, use_bias=not self.batch_norm, dtype=self.dtype,
                   kernel_init=kernel_init(self.init_std))(x)
      else:
        x = nn.Dense(self.hidden, use_bias=not self.batch_norm, dtype=self.dtype,
                     kernel_init=kernel_init(self.init_std))(x)
      if self.batch_norm:
        x = _batch_norm(train, self.dtype, self.init_std)(x)
      if not use_maxout:
        x = ACTIVATIONS[self.activation](x)
    x = nn.Dense(1, dtype=self.dtype, kernel_init=kernel_init(self.init_std))(x)
    return x.reshape(x.shape[0]).astype(jnp.float32)


def build(model_config: Any, example_shape: Sequence[int], num_classes: int = 0,
          spectral_norm: bool = False) -> Tuple[nn.Module, nn.Module]:
  del num_classes, spectral_norm   # not supported: validation rejects them
  dtype = COMPUTE_DTYPES[model_config.dtype]
  m = model_config
  generator = MLPGenerator(tuple(example_shape), m.g_depth, m.g_hidden, m.g_batch_norm,
                           m.activation, dtype, m.init_std)
  discriminator = MLPDiscriminator(m.d_depth, m.d_hidden, m.d_batch_norm, m.d_maxout_pieces,
                                   m.activation, m.pack, dtype, m.init_std)
  return generator, discriminator


def validate_config(model_config: Any, example_shape: Sequence[int]) -> None:
  del example_shape   # any shape works: it is flattened
  m = model_config
  for key in ('g_depth', 'g_hidden', 'd_depth', 'd_hidden'):
    require_positive_int(m[key], f'model.{key}')
  pieces = m.d_maxout_pieces
  if isinstance(pieces, bool) or not isinstance(pieces, int) or pieces < 0:
    raise ConfigError(f'model.d_maxout_pieces={pieces!r} must be an integer >= 0 (> 1: maxout)')
