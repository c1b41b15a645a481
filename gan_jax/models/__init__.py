"""Generators and discriminators, looked up by `config.model.name`.

  generator, discriminator = build_models(config.model, example_shape, num_classes)
  x, upd = generator.apply({'params': p, 'batch_stats': s}, z, labels, train=True, mutable=['batch_stats'])
  out, upd = discriminator.apply(variables, x, labels, train=True, mutable=['batch_stats'])

example_shape is (H, W, C) or (D,); num_classes is the resolved class count (`resolve_num_classes`).
z is float32 [B, latent_dim]; labels int32 [B] (None for unconditional models); x is float32
[B, *example_shape]; `out` is logits float32 [B // model.pack], or (logits, class_logits float32
[B, num_classes]) when model.conditional == 'acgan' (`conditioning.split_d_output` splits either).
Modules without BatchNorm or spectral norm have no 'batch_stats' collection after `init` (pass `{}`);
`mutable` then returns an empty dict. Spectral norm keeps its power-iteration vectors in 'batch_stats'.
"""

import math
from typing import Any, Callable, NamedTuple, Optional, Sequence, Tuple

import flax.linen as nn

from gan_jax.core.errors import ConfigError
from gan_jax.core.registry import Registry
from gan_jax.models import cyclegan, dcgan, mlp, progan, resnet, vae
from gan_jax.models.activations import ACTIVATIONS
from gan_jax.models.checks import require_choice, require_positive_int
from gan_jax.models.conditioning import CONDITIONINGS, FAKE_LABELS
from gan_jax.models.precision import COMPUTE_DTYPES

POINT_DATASETS = ('ring2d', 'grid2d')   # data sources whose examples are 2D points
POINT_SHAPE = (2,)


class ModelFamily(NamedTuple):
  # (config.model, example_shape, num_classes, spectral_norm) -> (generator, discriminator)
  build: Callable[[Any, Sequence[int], int, bool], Tuple[nn.Module, nn.Module]]
  validate: Callable[[Any, Sequence[int]], None]   # (config.model, example_shape) -> None or ConfigError
  tanh_output: bool   # G's images are in [-1, 1]: data must stay in that range (no standardisation)
  conditional: bool = False            # supports model.conditional != 'none'
  spectral_norm: Optional[bool] = None  # default of model.d_spectral_norm; None: no D weights it can normalise


MODELS = Registry('model', 'model.name')
MODELS.register('dcgan')(ModelFamily(dcgan.build, dcgan.validate_config, tanh_output=True, conditional=True,
                                     spectral_norm=False))
MODELS.register('mlp')(ModelFamily(mlp.build, mlp.validate_config, tanh_output=False))
MODELS.register('resnet')(ModelFamily(resnet.build, resnet.validate_config, tanh_output=True, conditional=True,
                                      spectral_norm=True))
# VAEs: sized by the `vae` config section, built whole by models.vae.build_vae (gan_jax.families.vae.trainer);
# their `build` refuses the generator-pair call and `validate` checks the data shape.
MODELS.register('vae')(ModelFamily(vae.build, vae.validate_config, tanh_output=True, conditional=True))
MODELS.register('vae_mlp')(ModelFamily(vae.build, vae.validate_config, tanh_output=True, conditional=True))
MODELS.register('progan')(ModelFamily(progan.build, progan.validate_config, tanh_output=True))   # families/progan
MODELS.register('cyclegan')(ModelFamily(cyclegan.build, cyclegan.validate_config, tanh_output=True))   # families/cyclegan


def spectral_norm_enabled(model_config: Any) -> bool:
  """model.d_spectral_norm, or the family's default when it is None."""
  value = model_config.get('d_spectral_norm')
  return bool(MODELS.get(model_config.name).spectral_norm) if value is None else bool(value)


def build_models(model_config: Any, example_shape: Sequence[int],
                 num_classes: int = 0) -> Tuple[nn.Module, nn.Module]:
  """Returns (generator, discriminator) flax modules for `model_config.name`; num_classes is the resolved
  class count (used only when model.conditional != 'none')."""
  return MODELS.get(model_config.name).build(model_config, tuple(example_shape), int(num_classes),
                                             spectral_norm_enabled(model_config))


def resolve_num_classes(model_config: Any, data_num_classes: int) -> int:
  """The class count conditional models are built with: model.num_classes, or the data's when 0.

  ConfigError when the model is conditional and the data is unlabelled, or model.num_classes is smaller
  than the data's class count. Unconditional models resolve to 0.
  """
  if model_config.conditional == 'none':
    return 0
  if not data_num_classes:
    raise ConfigError(f'model.conditional={model_config.conditional!r} needs a labelled dataset; this one has '
                      'no classes: use model.conditional=none')
  if model_config.num_classes and model_config.num_classes < data_num_classes:
    raise ConfigError(f'model.num_classes={model_config.num_classes} is smaller than the dataset\'s '
                      f'{data_num_classes} classes; allowed: 0 (from the data) or >= {data_num_classes}')
  return int(model_config.num_classes or data_num_classes)


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
  _validate_conditioning(config, family)
  family.validate(m, example_shape_from_config(config))


def _validate_conditioning(config: Any, family: ModelFamily) -> None:
  m = config.model
  require_choice(m.conditional, 'model.conditional', CONDITIONINGS)
  FAKE_LABELS.check(m.fake_labels)
  if isinstance(m.num_classes, bool) or not isinstance(m.num_classes, int) or m.num_classes < 0:
    raise ConfigError(f'model.num_classes={m.num_classes!r} must be an integer >= 0 (0 = from the data)')
  if m.d_spectral_norm is not None and not isinstance(m.d_spectral_norm, bool):
    raise ConfigError(f'model.d_spectral_norm={m.d_spectral_norm!r} must be True, False or None (family default)')
  if m.d_spectral_norm and family.spectral_norm is None:
    allowed = ', '.join(n for n in MODELS.names() if MODELS.get(n).spectral_norm is not None)
    raise ConfigError(f'model.d_spectral_norm=True: model.name={m.name} has no discriminator weights spectral '
                      f'norm can normalise; allowed with: {allowed}')
  if isinstance(m.d_embed_dim, bool) or not isinstance(m.d_embed_dim, int) or m.d_embed_dim < 1:
    raise ConfigError(f'model.d_embed_dim={m.d_embed_dim!r} must be an integer >= 1 (model.conditional=reacgan)')
  if m.conditional == 'none':
    return
  if m.conditional == 'reacgan' and family.spectral_norm is None:
    allowed = ', '.join(n for n in MODELS.names() if MODELS.get(n).spectral_norm is not None)
    raise ConfigError(f"model.conditional='reacgan' needs a GAN discriminator; allowed with: {allowed}")
  if not family.conditional:
    allowed = ', '.join(n for n in MODELS.names() if MODELS.get(n).conditional)
    raise ConfigError(f'model.conditional={m.conditional!r} is not supported by model.name={m.name}; '
                      f'allowed with: {allowed}')
  if m.pack > 1:
    raise ConfigError(f'model.pack={m.pack} with model.conditional={m.conditional!r}: a packed D scores several '
                      'samples with different labels at once; allowed: model.pack=1')
  if not config.data.label_key:
    raise ConfigError(f"model.conditional={m.conditional!r} needs labels but data.label_key='' (unlabelled); "
                      'allowed: model.conditional=none')
