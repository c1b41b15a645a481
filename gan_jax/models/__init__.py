"""Generators and discriminators, looked up by `config.model.name`.

  generator, discriminator = build_models(config.model, example_shape)   # example_shape (H, W, C) or (D,)
  x, upd = generator.apply({'params': p, 'batch_stats': s}, z, train=True, mutable=['batch_stats'])
  logits, upd = discriminator.apply(variables, x, train=True, mutable=['batch_stats'])

z is float32 [B, latent_dim]; x is float32 [B, *example_shape]; logits are float32 [B // model.pack].
Modules without BatchNorm have no 'batch_stats' collection after `init` (pass `{}`); `mutable` then
returns an empty dict.
"""

import math
from typing import Any, Callable, NamedTuple, Sequence, Tuple

import flax.linen as nn

from gan_jax.errors import ConfigError
from gan_jax.models import dcgan, mlp, vae
from gan_jax.models.activations import ACTIVATIONS
from gan_jax.models.checks import require_choice, require_positive_int
from gan_jax.models.precision import COMPUTE_DTYPES
from gan_jax.registry import Registry

POINT_DATASETS = ('ring2d', 'grid2d')   # data sources whose examples are 2D points
POINT_SHAPE = (2,)


class ModelFamily(NamedTuple):
  build: Callable[[Any, Sequence[int]], Tuple[nn.Module, nn.Module]]
  validate: Callable[[Any, Sequence[int]], None]   # (config.model, example_shape) -> None or ConfigError
  tanh_output: bool   # G's images are in [-1, 1]: data must stay in that range (no standardisation)
  training: str = 'gan'   # the training family (gan_jax.train.families) that trains these models


MODELS = Registry('model', 'model.name')
MODELS.register('dcgan')(ModelFamily(dcgan.build, dcgan.validate_config, tanh_output=True))
MODELS.register('mlp')(ModelFamily(mlp.build, mlp.validate_config, tanh_output=False))
# VAEs: build gives (decoder, encoder); gan_jax.train.families.vae trains the whole VAE (models.vae).
MODELS.register('vae')(ModelFamily(vae.build, vae.validate_config, tanh_output=True, training='vae'))
MODELS.register('vae_mlp')(ModelFamily(vae.build, vae.validate_config, tanh_output=True, training='vae'))


def build_models(model_config: Any, example_shape: Sequence[int]) -> Tuple[nn.Module, nn.Module]:
  """Returns (generator, discriminator) flax modules for `model_config.name`."""
  return MODELS.get(model_config.name).build(model_config, tuple(example_shape))


def example_shape_from_config(config: Any) -> Tuple[int, ...]:
  """The example shape the data stage will produce: (2,) for point datasets, else (H, W, C)."""
  if config.data.name in POINT_DATASETS:
    return POINT_SHAPE
  return (config.data.image_size, config.data.image_size, config.data.channels)


def validate_model_config(config: Any) -> None:
  """Raises ConfigError (one line naming the key) for a bad `config.model` section."""
  m = config.model
  family = MODELS.get(m.name)
  require_positive_int(m.latent_dim, 'model.latent_dim')
  require_positive_int(m.pack, 'model.pack')
  require_choice(m.dtype, 'model.dtype', COMPUTE_DTYPES)
  require_choice(m.activation, 'model.activation', ACTIVATIONS)
  if isinstance(m.init_std, bool) or not isinstance(m.init_std, (int, float)) or not (
      0 <= m.init_std < math.inf):
    raise ConfigError(f'model.init_std={m.init_std!r} must be a finite number >= 0 '
                      '(0: flax default init)')
  if config.train.batch_size % m.pack:
    raise ConfigError(f'model.pack={m.pack} must divide train.batch_size={config.train.batch_size}')
  if family.tanh_output and config.data.standardize:
    raise ConfigError(f'data.standardize=True does not fit model.name={m.name}: its generator ends in tanh, '
                      'so real images must stay in [-1, 1]; allowed: standardize=False, or model.name=mlp')
  family.validate(m, example_shape_from_config(config))
