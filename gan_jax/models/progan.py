"""Progressive GAN's generator and discriminator (Karras et al., ICLR 2018), as the paper and its reference
code (tkarras/progressive_growing_of_gans) build them, in flax.linen, NHWC.

Both networks hold a layer per resolution 4, 8, ..., final and are applied at a `resolution` (a power of two
<= final) and, while a new resolution fades in, with `fading=True` and a weight `alpha` in [0, 1]:

  G: z -> pixel-norm -> block_4 (dense to a 4x4 map, 3x3 conv) -> block_8 (nearest 2x up, two 3x3 convs)
     -> ... -> block_r -> to_rgb_r (1x1 conv, linear)
     fading: alpha * to_rgb_r(block_r(h)) + (1 - alpha) * up2(to_rgb_{r/2}(h)), h the features at r/2
  D: x -> from_rgb_r (1x1 conv) -> block_r (two 3x3 convs, 2x2 average pool) -> ... -> block_4
     (minibatch stddev, 3x3 conv, dense, dense to one logit)
     fading: alpha * block_r(from_rgb_r(x)) + (1 - alpha) * from_rgb_{r/2}(pool2(x)), then block_{r/2} ...

Every conv/dense layer has an equalised learning rate: weights stored N(0, 1), multiplied at run time by
He's constant gain / sqrt(fan_in) (gain sqrt(2), but 1 for to_rgb and D's last layer and sqrt(2)/4 for G's
first dense layer, as the reference), biases zero; leaky ReLU 0.2; G normalises every pixel's feature vector
after each conv (pixel-norm), and its output is linear (the reference's; samplers clip to [-1, 1]). Widths
are the reference's nf(stage) = min(fmap_base / 2**(stage * fmap_decay), fmap_max); stage log2(r) - 1 for
the layers at resolution r, D's second conv at r and its dense layer stage log2(r) - 2.
The non-fused forms (upsample then conv; conv then pool) are used: the reference's fused layers compute
the same functions.

Parameters are named by resolution ('block_8', 'to_rgb_8', 'from_rgb_8'), so the networks of every phase
are subsets of one tree; `every_layer=True` (init only) creates all of them.
"""

import math
from typing import Any, Sequence

import flax.linen as nn
import jax
import jax.numpy as jnp

from gan_jax.models.checks import require_image

SQRT2 = math.sqrt(2.0)
LRELU_SLOPE = 0.2


def he_constant(fan_in: int, gain: float = SQRT2) -> float:
  """He's per-layer normaliser gain / sqrt(fan_in): the run-time weight scale of an equalised layer."""
  return gain / math.sqrt(fan_in)


def pixel_norm(x: jax.Array, epsilon: float = 1e-8) -> jax.Array:
  """Each pixel's feature vector (last axis) divided by its root mean square (+ epsilon)."""
  return x * jax.lax.rsqrt(jnp.mean(jnp.square(x), axis=-1, keepdims=True) + epsilon)


def minibatch_stddev(x: jax.Array, group_size: int = 4) -> jax.Array:
  """x [N, H, W, C] -> [N, H, W, C + 1]: the reference's minibatch standard deviation layer.

  The batch is split into groups of G = min(group_size, N) examples, example n in group n mod (N / G);
  per group, the standard deviation over its G examples of every feature and pixel, averaged over features
  and pixels, is appended to each of its examples as a constant feature map. N must divide by G.
  """
  n, h, w, c = x.shape
  size = min(group_size, n)
  y = x.astype(jnp.float32).reshape(size, n // size, h, w, c)
  y = y - jnp.mean(y, axis=0, keepdims=True)
  y = jnp.sqrt(jnp.mean(jnp.square(y), axis=0) + 1e-8)    # [M, H, W, C]
  y = jnp.mean(y, axis=(1, 2, 3))                          # [M]
  y = jnp.tile(y, size).astype(x.dtype)                    # [N]: example n gets its group's value
  return jnp.concatenate([x, jnp.broadcast_to(y[:, None, None, None], (n, h, w, 1))], axis=-1)


def upsample(x: jax.Array, factor: int = 2) -> jax.Array:
  """Nearest-neighbour upsampling of [N, H, W, C] by an integer factor."""
  if factor == 1:
    return x
  return jnp.repeat(jnp.repeat(x, factor, axis=1), factor, axis=2)


def downsample(x: jax.Array, factor: int = 2) -> jax.Array:
  """Box filter (average of factor x factor blocks) of [N, H, W, C]; H and W divide by factor."""
  if factor == 1:
    return x
  n, h, w, c = x.shape
  return jnp.mean(x.reshape(n, h // factor, factor, w // factor, factor, c), axis=(2, 4))


class EqualizedDense(nn.Module):
  """x [N, ...] flattened -> [N, features]; weight N(0, 1) scaled by he_constant(fan_in, gain) at run time."""
  features: int
  gain: float = SQRT2
  use_bias: bool = True

  @nn.compact
  def __call__(self, x):
    x = x.reshape(x.shape[0], -1)
    fan_in = x.shape[-1]
    scale = he_constant(fan_in, self.gain)
    self.sow('intermediates', 'he_scale', jnp.float32(scale))
    kernel = self.param('kernel', nn.initializers.normal(1.0), (fan_in, self.features))
    y = x @ (kernel * scale)
    if self.use_bias:
      y = y + self.param('bias', nn.initializers.zeros, (self.features,))
    return y


class EqualizedConv(nn.Module):
  """Stride-1 'SAME' k x k conv of [N, H, W, C]; weight N(0, 1) scaled by he_constant(k * k * C, gain)."""
  features: int
  kernel_size: int = 3
  gain: float = SQRT2

  @nn.compact
  def __call__(self, x):
    k = self.kernel_size
    fan_in = k * k * x.shape[-1]
    scale = he_constant(fan_in, self.gain)
    self.sow('intermediates', 'he_scale', jnp.float32(scale))
    kernel = self.param('kernel', nn.initializers.normal(1.0), (k, k, x.shape[-1], self.features))
    y = jax.lax.conv_general_dilated(x, kernel * scale, (1, 1), 'SAME',
                                     dimension_numbers=('NHWC', 'HWIO', 'NHWC'))
    return y + self.param('bias', nn.initializers.zeros, (self.features,))


def _lrelu(x):
  return jax.nn.leaky_relu(x, LRELU_SLOPE)


class Widths(nn.Module):
  """Shared sizing (a mixin of fields): nf(stage) as the reference."""
  fmap_base: int = 8192
  fmap_decay: float = 1.0
  fmap_max: int = 512

  def nf(self, stage: int) -> int:
    return feature_maps(stage, self.fmap_base, self.fmap_decay, self.fmap_max)


def feature_maps(stage: int, fmap_base: int, fmap_decay: float, fmap_max: int) -> int:
  """The reference's nf(stage): min(int(fmap_base / 2**(stage * fmap_decay)), fmap_max), at least 1."""
  return max(1, min(int(fmap_base / (2.0 ** (stage * fmap_decay))), fmap_max))


def resolutions(final: int, start: int = 4) -> Sequence[int]:
  """start, 2 * start, ..., final (powers of two)."""
  out = [start]
  while out[-1] < final:
    out.append(out[-1] * 2)
  return tuple(out)


class _GBlock(Widths):
  resolution: int = 4

  @nn.compact
  def __call__(self, x):
    stage = int(math.log2(self.resolution)) - 1
    if self.resolution == 4:
      x = pixel_norm(x)   # normalize_latents
      x = EqualizedDense(self.nf(stage) * 16, gain=SQRT2 / 4, use_bias=False, name='dense')(x)
      x = x.reshape(x.shape[0], 4, 4, self.nf(stage))
      x = x + self.param('bias', nn.initializers.zeros, (self.nf(stage),))
      x = pixel_norm(_lrelu(x))
      return pixel_norm(_lrelu(EqualizedConv(self.nf(stage), 3, name='conv')(x)))
    x = upsample(x)
    x = pixel_norm(_lrelu(EqualizedConv(self.nf(stage), 3, name='conv0')(x)))
    return pixel_norm(_lrelu(EqualizedConv(self.nf(stage), 3, name='conv1')(x)))


class ProGenerator(Widths):
  """z float32 [N, latent_dim] -> images float32 [N, resolution, resolution, channels] (linear output)."""
  final_resolution: int = 32
  channels: int = 1

  @nn.compact
  def __call__(self, z, alpha=1.0, resolution: int = 0, fading: bool = False, every_layer: bool = False):
    resolution = resolution or self.final_resolution
    to_rgb = lambda r: EqualizedConv(self.channels, 1, gain=1.0, name=f'to_rgb_{r}')
    widths = dict(fmap_base=self.fmap_base, fmap_decay=self.fmap_decay, fmap_max=self.fmap_max)
    last = self.final_resolution if every_layer else resolution
    x, previous, outputs = z, None, 0.0
    for r in resolutions(last):
      previous = x
      x = _GBlock(resolution=r, name=f'block_{r}', **widths)(x)
      if every_layer:   # init: every to_rgb exists (their outputs are discarded)
        outputs = outputs + jnp.sum(to_rgb(r)(x))
    if every_layer:
      return outputs
    image = to_rgb(resolution)(x)
    if fading:
      old = upsample(to_rgb(resolution // 2)(previous))
      image = alpha * image + (1.0 - alpha) * old
    return image


class ProDiscriminator(Widths):
  """images float32 [N, resolution, resolution, channels] -> logits float32 [N]."""
  final_resolution: int = 32
  mbstd_group_size: int = 4

  @nn.compact
  def __call__(self, x, alpha=1.0, resolution: int = 0, fading: bool = False, every_layer: bool = False):
    resolution = resolution or self.final_resolution
    stage = lambda r: int(math.log2(r))
    from_rgb = lambda r: EqualizedConv(self.nf(stage(r) - 1), 1, name=f'from_rgb_{r}')
    if every_layer:   # init at the final resolution; every from_rgb exists
      for r in resolutions(self.final_resolution)[:-1]:
        from_rgb(r)(jnp.zeros((1, r, r, x.shape[-1]), x.dtype))
    image = x
    x = _lrelu(from_rgb(resolution)(image))
    for r in reversed(resolutions(resolution)):
      if r == 4:
        if self.mbstd_group_size > 1:
          x = minibatch_stddev(x, self.mbstd_group_size)
        x = _lrelu(EqualizedConv(self.nf(stage(r) - 1), 3, name='block_4_conv')(x))
        x = _lrelu(EqualizedDense(self.nf(stage(r) - 2), name='block_4_dense0')(x))
        return EqualizedDense(1, gain=1.0, name='block_4_dense1')(x)[:, 0]
      x = _lrelu(EqualizedConv(self.nf(stage(r) - 1), 3, name=f'block_{r}_conv0')(x))
      x = downsample(_lrelu(EqualizedConv(self.nf(stage(r) - 2), 3, name=f'block_{r}_conv1')(x)))
      if fading and r == resolution:
        old = _lrelu(from_rgb(r // 2)(downsample(image)))
        x = alpha * x + (1.0 - alpha) * old
    raise AssertionError('unreachable')


def init_params(module: nn.Module, key: jax.Array, *args, **kwargs):
  """module's parameters for `module.init(key, *args, **kwargs)` drawn as its layers' initialisers draw them
  (every 'kernel' N(0, 1), every bias 0), but from ONE normal draw split in order: per-layer draws (flax's
  init) compile a random-number generator per layer, ~10 s on a 2-core CPU for these networks."""
  shapes = jax.eval_shape(lambda: module.init(key, *args, **kwargs))['params']
  leaves, tree = jax.tree_util.tree_flatten_with_path(shapes)
  kernels = [leaf for path, leaf in leaves if getattr(path[-1], 'key', None) == 'kernel']
  draw = jax.random.normal(key, (sum(leaf.size for leaf in kernels),), jnp.float32)
  values, offset = [], 0
  for path, leaf in leaves:
    if getattr(path[-1], 'key', None) == 'kernel':
      values.append(draw[offset:offset + leaf.size].reshape(leaf.shape).astype(leaf.dtype))
      offset += leaf.size
    else:
      values.append(jnp.zeros(leaf.shape, leaf.dtype))
  return jax.tree_util.tree_unflatten(tree, values)


def layer_names(resolution: int, fading: bool):
  """(G's, D's) top-level parameter names of the networks applied at `resolution` (fading or not)."""
  g = [f'block_{r}' for r in resolutions(resolution)] + [f'to_rgb_{resolution}']
  d = [f'from_rgb_{resolution}']
  for r in resolutions(resolution):
    d += ['block_4_conv', 'block_4_dense0', 'block_4_dense1'] if r == 4 else [f'block_{r}_conv0', f'block_{r}_conv1']
  if fading:
    g.append(f'to_rgb_{resolution // 2}')
    d.append(f'from_rgb_{resolution // 2}')
  return tuple(g), tuple(d)


def build(model_config: Any, example_shape: Sequence[int], num_classes: int = 0, spectral_norm: bool = False):
  """models.MODELS entry. ProGAN's networks are sized by the `progan` config section and applied per phase
  (gan_jax.families.progan), never as a fixed generator pair."""
  del example_shape, num_classes, spectral_norm
  raise ValueError(f'model.name={model_config.name} grows: build it with gan_jax.families.progan')


def validate_config(model_config: Any, example_shape: Sequence[int]) -> None:
  """Square images whose side is a power of two >= 4 (the growth doubles 4x4 to it)."""
  require_image(model_config.name, example_shape, lambda size: size >= 4 and not size & (size - 1),
                'a power of two >= 4 (4, 8, 16, 32, 64, ...)')
