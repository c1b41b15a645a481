"""The MODELS registry, build_models and validate_model_config's one-line errors."""

import pytest

from gan_jax.core.errors import ConfigError
from gan_jax.models import MODELS, build_models, example_shape_from_config, validate_model_config
from gan_jax.models.dcgan import DCGANDiscriminator, DCGANGenerator
from gan_jax.models.mlp import MLPDiscriminator, MLPGenerator


def test_registry_and_build(config):
  assert list(MODELS.names()) == ['cyclegan', 'dcgan', 'mlp', 'progan', 'resnet', 'vae', 'vae_mlp']
  generator, discriminator = build_models(config.model, (32, 32, 1))
  assert isinstance(generator, DCGANGenerator) and isinstance(discriminator, DCGANDiscriminator)
  config.model.name = 'mlp'
  generator, discriminator = build_models(config.model, [2])
  assert isinstance(generator, MLPGenerator) and isinstance(discriminator, MLPDiscriminator)
  assert generator.example_shape == (2,)


def test_defaults_and_supported_setups_validate(config):
  validate_model_config(config)
  for size in (16, 28, 32, 64):
    config.data.image_size = size
    validate_model_config(config)
  config.data.name, config.model.name, config.model.pack = 'ring2d', 'mlp', 4
  assert example_shape_from_config(config) == (2,)
  validate_model_config(config)


@pytest.mark.parametrize('key,value,message', [
    ('model.name', 'stylegan', "model.name='stylegan' is not a known model; allowed: cyclegan, dcgan, mlp, progan, resnet, vae, vae_mlp"),
    ('data.image_size', 24, 'data.image_size=24 is not supported by model.name=dcgan'),
    ('data.name', 'grid2d', 'model.name=dcgan needs image data'),
    ('model.pack', 0, 'model.pack=0 must be an integer >= 1'),
    ('model.pack', 3, 'model.pack=3 must divide train.batch_size=64'),
    ('model.g_width', 0, 'model.g_width=0 must be an integer >= 1'),
    ('model.d_width', -8, 'model.d_width=-8 must be an integer >= 1'),
    ('model.latent_dim', 0, 'model.latent_dim=0 must be an integer >= 1'),
    ('model.dtype', 'float16', "model.dtype='float16' is not allowed; allowed: float32, bfloat16"),
    ('model.activation', 'sine', "model.activation='sine' is not allowed; allowed: relu,"),
    ('model.init_std', -0.1, 'model.init_std=-0.1 must be a finite number >= 0'),
])
def test_bad_values_raise_one_line_config_errors(config, key, value, message):
  section, field = key.split('.')
  config[section][field] = value
  with pytest.raises(ConfigError) as error:
    validate_model_config(config)
  assert message in str(error.value) and '\n' not in str(error.value)


@pytest.mark.parametrize('field,value', [
    ('g_depth', 0), ('g_hidden', 0), ('d_depth', -1), ('d_hidden', 0), ('d_maxout_pieces', -2)])
def test_bad_mlp_values_raise(config, field, value):
  config.data.name, config.model.name = 'ring2d', 'mlp'
  config.model[field] = value
  with pytest.raises(ConfigError, match=f'model.{field}='):
    validate_model_config(config)


def test_standardised_data_is_refused_for_a_tanh_generator(config):
  config.data.standardize = True
  with pytest.raises(ConfigError, match=r'^data.standardize=True does not fit model.name=dcgan'):
    validate_model_config(config)
  config.model.name = 'mlp'
  validate_model_config(config)   # an MLP generator has a linear output
