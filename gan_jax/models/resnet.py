"""ResNet SNGAN generator and discriminator (Miyato et al. 2018), mimicry's `sngan_32` / `sngan_64` layouts.

  G: Dense(z -> 4x4xW0), up-blocks to the image size, BN, ReLU, 3x3 conv, tanh.
     up-block(in -> out): BN, ReLU, 2x nearest upsample, 3x3 conv, BN, ReLU, 3x3 conv; shortcut: 2x
     upsample, 1x1 conv.
  D: an "optimised" first down-block (3x3 conv, ReLU, 3x3 conv, 2x2 avg pool; shortcut: avg pool, 1x1
     conv), then blocks (ReLU, 3x3, ReLU, 3x3, [2x2 avg pool]; shortcut 1x1 conv [, avg pool]), ReLU,
     global sum pooling -> phi(x), Dense -> 1 = psi(phi(x)).
Layouts by resolution:
  16, 32 (sngan_32): every G block and D block has the same width (g_width, d_width; published 256 / 128);
      G has log2(res / 4) up-blocks; D downsamples to 8x8 (optimised block first), then 2 blocks at 8x8.
  64, 128, 256 (sngan_64 generalised): G's Dense gives g_width * 2^n channels (n = log2(res / 4) up-blocks)
      and each up-block halves them (to g_width); D's blocks all downsample, widths d_width * 2^i
      (published: g_width = d_width = 64).
Conditioning (conditioning.py): G's block BatchNorms become class-conditional (the final BN stays plain,
as in mimicry's cGAN-PD); D's phi(x) is the sum-pooled feature vector. Spectral norm (on by default for
this family) wraps every D conv, dense and embedding. Init as mimicry: Xavier-uniform, gain sqrt(2) on the
residual 3x3 convs, 1 elsewhere; zero biases. NHWC.
"""

import math
from typing import Any, Optional, Sequence, Tuple

import flax.linen as nn
import jax
import jax.numpy as jnp

from gan_jax.core.errors import ConfigError
from gan_jax.models import conditioning
from gan_jax.models.checks import require_positive_int
from gan_jax.models.precision import COMPUTE_DTYPES

SUPPORTED_RESOLUTIONS = (16, 32, 64, 128, 256)
_CONSTANT_WIDTH_MAX = 32   # up to 32x32: the sngan_32 layout


def xavier(gain: float = 1.0):
  return nn.initializers.variance_scaling(gain ** 2, 'fan_avg', 'uniform')


def _upsample(x: jax.Array) -> jax.Array:
  return jnp.repeat(jnp.repeat(x, 2, axis=1), 2, axis=2)


def _avg_pool(x: jax.Array) -> jax.Array:
  return nn.avg_pool(x, (2, 2), (2, 2))


def _bn(train: bool, dtype: Any) -> nn.BatchNorm:
  return nn.BatchNorm(use_running_average=not train, momentum=0.9, epsilon=1e-5, dtype=dtype)


def g_plan(resolution: int, width: int) -> Tuple[int, Tuple[int, ...]]:
  """(channels of the 4x4 map, output channels of each up-block)."""
  ups = int(math.log2(resolution // 4))
  if resolution <= _CONSTANT_WIDTH_MAX:
    return width, (width,) * ups
  return width * 2 ** ups, tuple(width * 2 ** (ups - 1 - i) for i in range(ups))


def d_plan(resolution: int, width: int) -> Tuple[Tuple[int, bool], ...]:
  """(output channels, downsample) of each D block; the first is the optimised block."""
  if resolution <= _CONSTANT_WIDTH_MAX:
    downs = max(1, int(math.log2(resolution // 8)))
    return ((width, True),) * downs + ((width, False),) * 2
  return tuple((width * 2 ** i, True) for i in range(int(math.log2(resolution // 2))))


class GBlock(nn.Module):
  features: int
  num_classes: int = 0
  dtype: Any = jnp.float32

  @nn.compact
  def __call__(self, x, labels, train: bool):
    # No biases: every output of a G block reaches a BatchNorm (the next block's, or G's last), which
    # cancels a per-channel constant. Their gradient is zero up to rounding, which Adam would amplify into
    # updates of order lr in arbitrary directions (and a 1-vs-8-device difference of the same order).
    conv = lambda k, gain: nn.Conv(self.features, (k, k), padding='SAME', use_bias=False, dtype=self.dtype,
                                   kernel_init=xavier(gain))
    norm = lambda: conditioning.generator_norm(self.num_classes, lambda: _bn(train, self.dtype), train, self.dtype)
    h = nn.relu(norm()(x, labels))
    h = conv(3, math.sqrt(2))(_upsample(h))
    h = nn.relu(norm()(h, labels))
    h = conv(3, math.sqrt(2))(h)
    return h + conv(1, 1.0)(_upsample(x))


class ResNetGenerator(nn.Module):
  """z [B, latent_dim] (+ labels int [B]) -> images [B, resolution, resolution, channels] in (-1, 1)."""
  resolution: int
  channels: int
  width: int
  dtype: Any = jnp.float32
  num_classes: int = 0

  @nn.compact
  def __call__(self, z: jax.Array, labels: Optional[jax.Array] = None, train: bool = False) -> jax.Array:
    start_width, widths = g_plan(self.resolution, self.width)
    x = nn.Dense(4 * 4 * start_width, use_bias=False, dtype=self.dtype, kernel_init=xavier())(z)   # see GBlock
    x = x.reshape(z.shape[0], 4, 4, start_width)
    for features in widths:
      x = GBlock(features, self.num_classes, self.dtype)(x, labels, train)
    x = nn.relu(_bn(train, self.dtype)(x))
    x = nn.Conv(self.channels, (3, 3), padding='SAME', dtype=self.dtype, kernel_init=xavier())(x)
    return jnp.tanh(x).astype(jnp.float32)


class DBlock(nn.Module):
  features: int
  downsample: bool
  optimized: bool = False   # the first block: no leading ReLU, shortcut pools before its 1x1 conv
  spectral_norm: bool = True
  dtype: Any = jnp.float32

  @nn.compact
  def __call__(self, x, train: bool):
    conv = lambda k, gain: conditioning.maybe_spectral_norm(
        nn.Conv(self.features, (k, k), padding='SAME', dtype=self.dtype, kernel_init=xavier(gain)),
        self.spectral_norm, train)
    h = x if self.optimized else nn.relu(x)
    h = conv(3, math.sqrt(2))(h)
    h = conv(3, math.sqrt(2))(nn.relu(h))
    if self.downsample:
      h = _avg_pool(h)
    if self.optimized:
      shortcut = conv(1, 1.0)(_avg_pool(x))
    elif self.downsample or x.shape[-1] != self.features:
      shortcut = conv(1, 1.0)(x)
      shortcut = _avg_pool(shortcut) if self.downsample else shortcut
    else:
      shortcut = x
    return h + shortcut


class ResNetDiscriminator(nn.Module):
  """images [B, res, res, C] (+ labels int [B]) -> logits float32 [B], or (logits, class head) for acgan /
  reacgan (see conditioning.py)."""
  resolution: int
  width: int
  dtype: Any = jnp.float32
  conditional: str = 'none'
  num_classes: int = 0
  spectral_norm: bool = True
  embed_dim: int = 128        # conditional='reacgan': the embedding size of the data-to-data head

  @nn.compact
  def __call__(self, x: jax.Array, labels: Optional[jax.Array] = None, train: bool = False):
    for i, (features, downsample) in enumerate(d_plan(self.resolution, self.width)):
      x = DBlock(features, downsample, optimized=i == 0, spectral_norm=self.spectral_norm, dtype=self.dtype)(x, train)
    phi = jnp.sum(nn.relu(x), axis=(1, 2))   # global sum pooling
    psi = conditioning.maybe_spectral_norm(nn.Dense(1, dtype=self.dtype, kernel_init=xavier()),
                                           self.spectral_norm, train)
    logits = psi(phi).reshape(x.shape[0])
    return conditioning.discriminator_outputs(
        logits, phi, labels, conditional=self.conditional, num_classes=self.num_classes,
        spectral_norm=self.spectral_norm, update_stats=train, dtype=self.dtype, kernel_init=xavier(),
        embed_dim=self.embed_dim)


def build(model_config: Any, example_shape: Sequence[int], num_classes: int = 0,
          spectral_norm: bool = True) -> Tuple[nn.Module, nn.Module]:
  resolution, _, channels = example_shape
  dtype = COMPUTE_DTYPES[model_config.dtype]
  classes = num_classes if model_config.conditional != 'none' else 0
  generator = ResNetGenerator(resolution, channels, model_config.g_width, dtype, classes)
  discriminator = ResNetDiscriminator(resolution, model_config.d_width, dtype, model_config.conditional, classes,
                                      spectral_norm, model_config.d_embed_dim)
  return generator, discriminator


def validate_config(model_config: Any, example_shape: Sequence[int]) -> None:
  if len(example_shape) != 3:
    raise ConfigError(f'model.name=resnet needs image data (H, W, C); this dataset gives {tuple(example_shape)}')
  height, width, _ = example_shape
  if height != width or height not in SUPPORTED_RESOLUTIONS:
    raise ConfigError(f'data.image_size={height} is not supported by model.name=resnet; allowed: '
                      f'{", ".join(map(str, SUPPORTED_RESOLUTIONS))}')
  require_positive_int(model_config.g_width, 'model.g_width')
  require_positive_int(model_config.d_width, 'model.d_width')
  if model_config.pack != 1:
    raise ConfigError(f'model.pack={model_config.pack}: model.name=resnet does not pack samples; allowed: 1')
