"""VAE models: a convolutional VAE built from the DCGAN networks, and the flax example's MLP VAE.

  vae = build_vae(config.model, config.vae, example_shape, num_classes)
  mean, log_var = vae.apply(variables, x, labels, train=False, method='encode')   # [B, latent_dim] each
  out = vae.apply(variables, z, labels, train=False, method='decode')            # [B, *example_shape]
  out, mean, log_var = vae.apply(variables, x, labels, eps, train=True, mutable=['batch_stats'])

`model.name=vae`: the encoder is `dcgan.DCGANDiscriminator` (width `vae.encoder_width`) with 2 * latent_dim
outputs, the decoder `dcgan.DCGANGenerator` (width `vae.decoder_width`) returning its pre-tanh output; any
resolution DCGAN supports, 1 or 3 channels. `model.name=vae_mlp`: x -> Dense(vae.encoder_hidden) ReLU ->
mean, log-variance; z -> Dense(vae.decoder_hidden) ReLU -> Dense(H*W*C) (784-500-latent-500-784 as in flax's
examples/vae with both hidden sizes 500). model.latent_dim, model.dtype, model.init_std and model.conditional
apply as for the GANs; the VAE's own keys are the `vae` config section. The decoder output is the
likelihood's parameter before its squashing (Bernoulli logits, or the Gaussian mean before a sigmoid): see
gan_jax/families/vae/objective.py.
Conditional VAE (num_classes > 0): a one-hot label joins the encoder's input (as constant image planes
for the conv encoder) and the decoder's latent.
"""

import math
from typing import Any, Optional, Sequence, Tuple

import flax.linen as nn
import jax
import jax.numpy as jnp

from gan_jax.models import dcgan
from gan_jax.models.checks import require_image
from gan_jax.models.initializers import kernel_init
from gan_jax.models.precision import COMPUTE_DTYPES


class MLPEncoder(nn.Module):
  """x [B, ...] -> [B, 2 * latent_dim] (posterior mean, log-variance), as flax's examples/vae Encoder."""
  hidden: int
  latent_dim: int
  dtype: Any = jnp.float32

  @nn.compact
  def __call__(self, x: jax.Array, train: bool = False) -> jax.Array:
    del train
    x = nn.relu(nn.Dense(self.hidden, dtype=self.dtype)(x.reshape(x.shape[0], -1)))
    return nn.Dense(2 * self.latent_dim, dtype=self.dtype)(x).astype(jnp.float32)


class MLPDecoder(nn.Module):
  """z [B, latent_dim] -> [B, *example_shape] likelihood parameters (flax's examples/vae Decoder)."""
  hidden: int
  example_shape: Tuple[int, ...]
  dtype: Any = jnp.float32

  @nn.compact
  def __call__(self, z: jax.Array, train: bool = False) -> jax.Array:
    del train
    x = nn.relu(nn.Dense(self.hidden, dtype=self.dtype)(z))
    x = nn.Dense(math.prod(self.example_shape), dtype=self.dtype)(x)
    return x.reshape(x.shape[0], *self.example_shape).astype(jnp.float32)


class VAE(nn.Module):
  """Gaussian-posterior VAE around an encoder (x -> [B, 2 * latent]) and a decoder (z -> x-shaped).

  log_scale (only with learned_scale): per-channel log std of a Gaussian likelihood, a parameter.
  """
  encoder: nn.Module
  decoder: nn.Module
  latent_dim: int
  num_classes: int = 0
  learned_scale: bool = False
  channels: int = 1

  def setup(self):
    if self.learned_scale:
      self.log_scale = self.param('log_scale', nn.initializers.zeros, (self.channels,), jnp.float32)

  def _one_hot(self, labels: Optional[jax.Array]) -> Optional[jax.Array]:
    if self.num_classes == 0:
      return None
    return jax.nn.one_hot(labels, self.num_classes, dtype=jnp.float32)

  def encode(self, x: jax.Array, labels: Optional[jax.Array] = None, train: bool = False):
    """x [B, *example_shape] -> (mean, log_var), float32 [B, latent_dim] each."""
    one_hot = self._one_hot(labels)
    if one_hot is not None:
      planes = jnp.broadcast_to(one_hot.reshape(x.shape[0], *([1] * (x.ndim - 2)), -1),
                                (*x.shape[:-1], self.num_classes))
      x = jnp.concatenate([x, planes], -1) if x.ndim == 4 else jnp.concatenate(
          [x.reshape(x.shape[0], -1), one_hot], -1)
    stats = self.encoder(x, train=train)
    return stats[:, :self.latent_dim], stats[:, self.latent_dim:]

  def decode(self, z: jax.Array, labels: Optional[jax.Array] = None, train: bool = False) -> jax.Array:
    """z [B, latent_dim] -> likelihood parameters [B, *example_shape] (before squashing)."""
    one_hot = self._one_hot(labels)
    if one_hot is not None:
      z = jnp.concatenate([z, one_hot], -1)
    return self.decoder(z, train=train)

  def scale(self) -> Optional[jax.Array]:
    """The learned per-channel std, or None when the scale is fixed."""
    return jnp.exp(self.log_scale) if self.learned_scale else None

  def __call__(self, x: jax.Array, labels: Optional[jax.Array], eps: jax.Array, train: bool = False):
    """One reparameterised pass: z = mean + exp(log_var / 2) * eps -> (decoder output, mean, log_var)."""
    mean, log_var = self.encode(x, labels, train)
    z = mean + jnp.exp(0.5 * log_var) * eps
    return self.decode(z, labels, train), mean, log_var


def _conv_parts(m: Any, v: Any, example_shape: Sequence[int]) -> Tuple[nn.Module, nn.Module]:
  resolution, _, channels = example_shape
  dtype = COMPUTE_DTYPES[m.dtype]
  encoder = dcgan.DCGANDiscriminator(resolution, v.encoder_width, 1, dtype, m.init_std, outputs=2 * m.latent_dim)
  decoder = dcgan.DCGANGenerator(resolution, channels, v.decoder_width, dtype, m.init_std, output_logits=True)
  return encoder, decoder


def _mlp_parts(m: Any, v: Any, example_shape: Sequence[int]) -> Tuple[nn.Module, nn.Module]:
  dtype = COMPUTE_DTYPES[m.dtype]
  return MLPEncoder(v.encoder_hidden, m.latent_dim, dtype), MLPDecoder(v.decoder_hidden, tuple(example_shape), dtype)


ARCHITECTURES = {'vae': _conv_parts, 'vae_mlp': _mlp_parts}


def build_vae(model_config: Any, vae_config: Any, example_shape: Sequence[int], num_classes: int = 0) -> VAE:
  """The VAE of `model_config.name` (vae | vae_mlp) with the `vae` section's sizes and likelihood;
  num_classes > 0 makes it conditional."""
  encoder, decoder = ARCHITECTURES[model_config.name](model_config, vae_config, tuple(example_shape))
  learned = vae_config.likelihood == 'gaussian' and vae_config.scale == 0
  return VAE(encoder, decoder, model_config.latent_dim, num_classes, learned, int(example_shape[-1]))


def build(model_config: Any, example_shape: Sequence[int], num_classes: int = 0, spectral_norm: bool = False):
  """models.MODELS entry. A VAE's networks are sized by the `vae` config section, which `config.model` does not
  hold: VAEs are built whole by `build_vae` (gan_jax.families.vae.trainer), never as a generator pair."""
  del example_shape, num_classes, spectral_norm
  raise ValueError(f'model.name={model_config.name} is a VAE: build it with gan_jax.models.vae.build_vae')


def validate_config(model_config: Any, example_shape: Sequence[int]) -> None:
  """The data shape a VAE needs (images; conv: a DCGAN resolution). Sizes: the VAE family's validate."""
  conv = model_config.name == 'vae'   # vae_mlp: images of any shape
  require_image(model_config.name, example_shape, (lambda size: size in dcgan.SUPPORTED_RESOLUTIONS) if conv else None,
                ', '.join(map(str, dcgan.SUPPORTED_RESOLUTIONS)))
