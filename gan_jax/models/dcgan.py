"""DCGAN generator and discriminator (Radford et al., 2016), the seed's PyTorch models in flax.linen.

The seed's 32x32 models, for `g_width = d_width = 64`:
  G: ConvT(100,256,4,1,0) BN ReLU, ConvT(256,128,4,2,1) BN ReLU, ConvT(128,64,4,2,1) BN ReLU,
     ConvT(64,C,4,2,1) Tanh
  D: Conv(C,64,4,2,1) LReLU(0.2), Conv(64,128,4,2,1) BN LReLU, Conv(128,256,4,2,1) BN LReLU,
     Conv(256,1,4,1,0)
Both are generic over resolution: G projects z to a `start x start` map (4x4, or 7x7 for 28, 56,
...) and doubles it with stride-2 layers; D mirrors that. Widths double towards z in G and away from
the image in D. No conv biases, as in the seed. Layouts are NHWC.

Differences from the seed:
  * D returns a logit: the seed's final Sigmoid + BCELoss is `losses.non_saturating` on logits,
    which is numerically stable. (The seed's G loss was computed on G's output instead of D's;
    that bug belongs to the trainer and is not reproduced.)
  * Every transposed conv is `conv_transpose.ConvTranspose` (PyTorch-equal numerics, fast CPU grads).
  * PacGAN packing (`pack`) and a bfloat16 compute dtype are options; outputs are float32.
  * BatchNorm momentum/epsilon match PyTorch's (0.1 / 1e-5), but running variances are updated with
    the biased batch variance (PyTorch uses the unbiased one); normalisation itself is identical.
  * Class conditioning (`num_classes > 0`, see conditioning.py): G's BatchNorms become class-conditional;
    D's phi(x) is its last feature map (sum-pooled over space for the projection, flattened for the
    AC-GAN head), psi the final conv. `spectral_norm` wraps every D
    layer in spectral normalisation and drops D's BatchNorm, as in Miyato et al.'s SN "standard CNN".
"""

import math
from typing import Any, Optional, Sequence, Tuple

import flax.linen as nn
import jax
import jax.numpy as jnp

from gan_jax.core.errors import ConfigError
from gan_jax.models import conditioning
from gan_jax.models.checks import require_positive_int
from gan_jax.models.conv_transpose import ConvTranspose
from gan_jax.models.initializers import batch_norm_scale_init, kernel_init
from gan_jax.models.packing import pack_samples
from gan_jax.models.precision import COMPUTE_DTYPES

START_SIZES = (4, 7)          # G's first feature map; D's last (scored by a start x start kernel)
MAX_RESOLUTION = 256
SUPPORTED_RESOLUTIONS = tuple(sorted(
    s * 2 ** n for s in START_SIZES for n in range(1, 7) if s * 2 ** n <= MAX_RESOLUTION))
_KERNEL, _STRIDE, _PADDING = 4, 2, 1   # each stride-2 layer doubles (G) or halves (D) the size


def spatial_plan(resolution: int) -> Tuple[int, int]:
  """resolution -> (start size, number of stride-2 layers), e.g. 32 -> (4, 3), 28 -> (7, 2)."""
  if resolution in SUPPORTED_RESOLUTIONS:
    for start in START_SIZES:
      doublings = math.log2(resolution / start)
      if doublings == int(doublings):
        return start, int(doublings)
  raise ValueError(f'resolution {resolution} is not one of {SUPPORTED_RESOLUTIONS}')


def _batch_norm(train: bool, dtype: Any, init_std: float) -> nn.BatchNorm:
  # PyTorch BatchNorm2d defaults: momentum 0.1 (flax counts the other way), eps 1e-5.
  return nn.BatchNorm(use_running_average=not train, momentum=0.9, epsilon=1e-5, dtype=dtype,
                      scale_init=batch_norm_scale_init(init_std))


class DCGANGenerator(nn.Module):
  """z [B, latent_dim] -> images [B, resolution, resolution, channels] in (-1, 1), float32.

  Conditional (num_classes > 0): a learned class code (latent_dim wide, initialised at 0) is concatenated to
  z and every BatchNorm is class-conditional. Measured on digits (16x16, width 16, 1,500 steps, hinge loss,
  projection D; BENCHMARKS.md): with cBN alone G collapsed (10% of the samples recognised as the class asked
  for, FID 2,070); with a code initialised N(0, 1) 100% but one image per class (FID 212); with the code
  initialised at 0, 70% and varied samples (FID 105)."""
  resolution: int
  channels: int
  width: int                  # channels of the last hidden layer
  dtype: Any = jnp.float32
  init_std: float = 0.02
  num_classes: int = 0        # > 0: class-conditional BatchNorm, labels int [B] required
  output_logits: bool = False   # VAE decoders: the pre-tanh output (the likelihood's parameters)

  @nn.compact
  def __call__(self, z: jax.Array, labels: Optional[jax.Array] = None, train: bool = False) -> jax.Array:
    start, doublings = spatial_plan(self.resolution)
    widths = [self.width * 2 ** i for i in reversed(range(doublings))]
    conv_t = lambda features, kernel, stride, padding: ConvTranspose(
        features, kernel, stride, padding, dtype=self.dtype, kernel_init=kernel_init(self.init_std))
    if self.num_classes:   # the class enters at the input too (Mirza & Osindero), not only through cBN
      code = nn.Embed(self.num_classes, z.shape[-1], embedding_init=nn.initializers.zeros,
                      name='class_input')(labels)
      z = jnp.concatenate([z, code.astype(z.dtype)], axis=-1)
    x = z.reshape(z.shape[0], 1, 1, z.shape[-1])
    # 1x1 -> start x start, then doubling; every hidden layer is ConvT-BN-ReLU.
    layers = [(widths[0], start, 1, 0)] + [(w, _KERNEL, _STRIDE, _PADDING) for w in widths[1:]]
    for features, kernel, stride, padding in layers:
      x = conv_t(features, kernel, stride, padding)(x)
      norm = conditioning.generator_norm(
          self.num_classes, lambda: _batch_norm(train, self.dtype, self.init_std), train, self.dtype)
      x = nn.relu(norm(x, labels))
    x = conv_t(self.channels, _KERNEL, _STRIDE, _PADDING)(x)
    return (x if self.output_logits else jnp.tanh(x)).astype(jnp.float32)


class DCGANDiscriminator(nn.Module):
  """images [B, resolution, resolution, channels] (+ labels int [B]) -> logits float32 [B // pack], or
  (logits, class_logits [B, num_classes]) for conditional='acgan' (see conditioning.py);
  float32 [B, outputs] when outputs > 1 (a VAE encoder's posterior mean and log-variance)."""
  resolution: int
  width: int                  # channels of the first layer
  pack: int = 1
  dtype: Any = jnp.float32
  init_std: float = 0.02
  conditional: str = 'none'   # none | projection | acgan | reacgan
  num_classes: int = 0
  spectral_norm: bool = False
  outputs: int = 1            # > 1: a VAE encoder, [B, outputs] and no conditioning head
  embed_dim: int = 128        # conditional='reacgan': the embedding size of the data-to-data head

  @nn.compact
  def __call__(self, x: jax.Array, labels: Optional[jax.Array] = None, train: bool = False):
    start, halvings = spatial_plan(self.resolution)
    x = pack_samples(x, self.pack)
    conv = lambda features, kernel, stride, padding: conditioning.maybe_spectral_norm(nn.Conv(
        features, (kernel, kernel), stride, padding=[(padding, padding)] * 2, use_bias=False,
        dtype=self.dtype, kernel_init=kernel_init(self.init_std)), self.spectral_norm, train)
    for i in range(halvings):
      x = conv(self.width * 2 ** i, _KERNEL, _STRIDE, _PADDING)(x)
      if i > 0 and not self.spectral_norm:   # DCGAN: no BatchNorm on the first layer
        x = _batch_norm(train, self.dtype, self.init_std)(x)
      x = nn.leaky_relu(x, 0.2)
    features = x
    if self.outputs > 1:   # a VAE encoder: mean and log-variance, no conditioning head
      return conv(self.outputs, start, 1, 0)(x).reshape(x.shape[0], self.outputs).astype(jnp.float32)
    x = conv(1, start, 1, 0)(x)     # start x start -> 1x1 logit map
    return conditioning.discriminator_outputs(
        x.reshape(x.shape[0]), features, labels, conditional=self.conditional, num_classes=self.num_classes,
        spectral_norm=self.spectral_norm, update_stats=train, dtype=self.dtype,
        kernel_init=kernel_init(self.init_std), embed_dim=self.embed_dim)


def build(model_config: Any, example_shape: Sequence[int], num_classes: int = 0,
          spectral_norm: bool = False) -> Tuple[nn.Module, nn.Module]:
  resolution, _, channels = example_shape
  dtype = COMPUTE_DTYPES[model_config.dtype]
  conditional = model_config.conditional
  g_classes = num_classes if conditional != 'none' else 0
  generator = DCGANGenerator(resolution, channels, model_config.g_width, dtype,
                             model_config.init_std, g_classes)
  discriminator = DCGANDiscriminator(resolution, model_config.d_width, model_config.pack, dtype,
                                     model_config.init_std, conditional, g_classes, spectral_norm,
                                     embed_dim=model_config.d_embed_dim)
  return generator, discriminator


def validate_config(model_config: Any, example_shape: Sequence[int]) -> None:
  if len(example_shape) != 3:
    raise ConfigError(f'model.name=dcgan needs image data (H, W, C); this dataset gives '
                      f'{tuple(example_shape)}: use model.name=mlp')
  height, width, _ = example_shape
  if height != width or height not in SUPPORTED_RESOLUTIONS:
    raise ConfigError(f'data.image_size={height} is not supported by model.name=dcgan; allowed: '
                      f'{", ".join(map(str, SUPPORTED_RESOLUTIONS))}')
  require_positive_int(model_config.g_width, 'model.g_width')
  require_positive_int(model_config.d_width, 'model.d_width')
