"""Every experiment config (and its :small / :tiny switch) passes validation for training."""

import importlib

import pytest

from gan_jax.config_checks import validate_config
from gan_jax.errors import ConfigError

CONFIGS = ('dcgan_digits', 'dcgan_mnist', 'dcgan_cifar10', 'gan_ring2d', 'gan_grid2d', 'dcgan_stacked_digits')


@pytest.mark.parametrize('name', CONFIGS)
@pytest.mark.parametrize('switch', ['', 'small', 'tiny'])
def test_config_validates(name, switch):
  config = importlib.import_module(f'configs.{name}').get_config(switch)
  if name == 'dcgan_cifar10' and not switch:   # full CIFAR-10 runs need the converted InceptionV3 weights
    with pytest.raises(ConfigError, match='eval.inception_weights'):
      validate_config(config, 'train')
  else:
    validate_config(config, 'train')


def test_unknown_switch_is_refused():
  with pytest.raises(ValueError, match='allowed small, tiny'):
    importlib.import_module('configs.dcgan_digits').get_config('huge')
