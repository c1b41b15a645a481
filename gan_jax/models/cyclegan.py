"""CycleGAN's networks (Zhu et al., ICCV 2017), as the reference builds them (junyanz/pytorch-CycleGAN-and-pix2pix,
models/networks.py: ResnetGenerator, NLayerDiscriminator), in flax.linen, NHWC, sized by the `cyclegan` section.

  G (ResnetGenerator): reflect-pad 3, 7x7 conv (width), IN, ReLU; `downsamplings` (the reference: 2) 3x3 stride-2
     convs (2 width, 4 width, ...), IN, ReLU; `blocks` ResNet blocks at that resolution (reflect-pad 1, 3x3 conv,
     IN, ReLU, reflect-pad 1, 3x3 conv, IN, + input); as many 3x3 stride-2 transposed convs back (..., 2 width,
     width), IN, ReLU; reflect-pad 3, 7x7 conv to the image's channels, tanh. Output in [-1, 1], the input's
     shape (H and W divisible by 2^downsamplings). Fewer downsamplings see less of the image per output pixel:
     a more local translation.
  D (NLayerDiscriminator, "PatchGAN"): 4x4 stride-2 conv (width), LeakyReLU 0.2 (no norm); layers - 1 more 4x4
     stride-2 convs (width * min(2^n, 8)), IN, LeakyReLU; a 4x4 stride-1 conv (width * min(2^layers, 8)), IN,
     LeakyReLU; a 4x4 stride-1 conv to one logit per patch. Every conv pads 1 (zeros). Output float32
     [B, h, w] (one LSGAN logit per overlapping patch; receptive field 16, 34, 70 for 1, 2, 3 layers).

Instance norm as the reference's ('instance': no affine parameters, no running statistics, eps 1e-5). The
reference keeps a bias in every conv before an instance norm; the norm subtracts it, so it changes nothing
but collects rounding-noise gradients that Adam turns into +-lr steps (and that differ with the device
count): those convs have no bias here, the same functions. Weights N(0, 0.02), biases 0 (init_type='normal').
Neither network has state besides 'params'; both are the same in train and eval mode.
"""

from typing import Any, Sequence

import flax.linen as nn
import jax.numpy as jnp

from gan_jax.core.errors import ConfigError

INIT = nn.initializers.normal(0.02)
LRELU_SLOPE = 0.2


def instance_norm(x: jnp.ndarray, eps: float = 1e-5) -> jnp.ndarray:
  """Each image's each channel normalised over its H x W positions (biased variance), no affine."""
  mean = jnp.mean(x, axis=(1, 2), keepdims=True)
  var = jnp.mean(jnp.square(x - mean), axis=(1, 2), keepdims=True)
  return (x - mean) * jnp.reciprocal(jnp.sqrt(var + eps))


def reflect_pad(x: jnp.ndarray, pad: int) -> jnp.ndarray:
  return jnp.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)), mode='reflect')


def _conv(features: int, kernel: int, stride: int = 1, padding: Any = 'VALID', bias: bool = True) -> nn.Conv:
  return nn.Conv(features, (kernel, kernel), (stride, stride), padding=padding, kernel_init=INIT, use_bias=bias)


class ResnetBlock(nn.Module):
  features: int

  @nn.compact
  def __call__(self, x):
    h = nn.relu(instance_norm(_conv(self.features, 3, bias=False)(reflect_pad(x, 1))))
    h = instance_norm(_conv(self.features, 3, bias=False)(reflect_pad(h, 1)))
    return x + h


class ResnetGenerator(nn.Module):
  """x float32 [B, H, W, channels] in [-1, 1] -> float32 [B, H, W, channels] in [-1, 1]."""
  channels: int
  width: int = 64
  blocks: int = 6
  downsamplings: int = 2

  @nn.compact
  def __call__(self, x):
    h = nn.relu(instance_norm(_conv(self.width, 7, bias=False)(reflect_pad(x.astype(jnp.float32), 3))))
    mults = [2 ** k for k in range(self.downsamplings + 1)]   # 1, 2, 4 for the reference's two
    for mult in mults[1:]:
      h = nn.relu(instance_norm(_conv(self.width * mult, 3, 2, padding=((1, 1), (1, 1)), bias=False)(h)))
    for _ in range(self.blocks):
      h = ResnetBlock(self.width * mults[-1])(h)
    for mult in mults[-2::-1]:   # as PyTorch's ConvTranspose2d(k3, s2, padding 1, output_padding 1): exactly 2x
      h = nn.ConvTranspose(self.width * mult, (3, 3), (2, 2), padding=((1, 2), (1, 2)), kernel_init=INIT,
                           use_bias=False)(h)
      h = nn.relu(instance_norm(h))
    return jnp.tanh(_conv(self.channels, 7)(reflect_pad(h, 3)))


class PatchDiscriminator(nn.Module):
  """x float32 [B, H, W, C] -> logits float32 [B, h, w] (patch_grid(H, layers) x patch_grid(W, layers))."""
  width: int = 64
  layers: int = 3

  @nn.compact
  def __call__(self, x):
    pad = ((1, 1), (1, 1))
    h = nn.leaky_relu(_conv(self.width, 4, 2, pad)(x.astype(jnp.float32)), LRELU_SLOPE)
    for n in range(1, self.layers):
      h = nn.leaky_relu(instance_norm(_conv(self.width * min(2 ** n, 8), 4, 2, pad, bias=False)(h)), LRELU_SLOPE)
    h = nn.leaky_relu(instance_norm(_conv(self.width * min(2 ** self.layers, 8), 4, 1, pad, bias=False)(h)),
                      LRELU_SLOPE)
    return _conv(1, 4, 1, pad)(h)[..., 0]


def patch_grid(size: int, layers: int) -> int:
  """Logits per side of PatchDiscriminator on a side of `size` (<= 0: the image is too small)."""
  for _ in range(layers):
    size = (size + 2 - 4) // 2 + 1
  return size - 2


def receptive_field(layers: int) -> int:
  """Side of the input patch each logit sees: 16, 34, 70 for 1, 2, 3 layers."""
  field = 4 + 3   # the two stride-1 4x4 convs
  for _ in range(layers):
    field = 2 * field + 2
  return field


def build(model_config: Any, example_shape: Sequence[int], num_classes: int = 0, spectral_norm: bool = False):
  """models.MODELS entry. CycleGAN's networks are sized by the `cyclegan` section and trained in pairs
  (gan_jax.families.cyclegan), never as a latent-to-image generator pair."""
  del example_shape, num_classes, spectral_norm
  raise ValueError(f'model.name={model_config.name} translates images: build it with gan_jax.families.cyclegan')


def validate_config(model_config: Any, example_shape: Sequence[int], downsamplings: int = 2) -> None:
  """Images (H, W, C) whose sides divide by 2^downsamplings (G's stride-2 convs)."""
  if len(example_shape) != 3:
    raise ConfigError(f'model.name={model_config.name} needs image data (H, W, C); this dataset gives '
                      f'{tuple(example_shape)}')
  height, width, _ = example_shape
  factor = 2 ** downsamplings
  if height % factor or width % factor:
    raise ConfigError(f'data.image_size={height} is not supported by model.name={model_config.name}; allowed: '
                      f'a multiple of {factor} (its generator downsamples {downsamplings} times: '
                      'cyclegan.g_downsamplings)')
