"""Every experiment config (and its :small / :tiny switch) passes validation for training; README's two commands
are the real-MNIST main job and the command CI runs."""

import importlib
import pathlib
import re

import pytest

from gan_jax.config_checks import validate_config
from gan_jax.core.errors import ConfigError

CONFIGS = ('dcgan_digits', 'dcgan_mnist', 'dcgan_mnist5k', 'dcgan_cifar10', 'gan_ring2d', 'gan_grid2d',
           'dcgan_stacked_digits', 'dcgan_stacked_mnist5k', 'sngan_digits', 'cgan_digits', 'acgan_digits',
           'sngan_cifar10', 'cgan_pd_cifar10', 'cyclegan_digits_mnist5k', 'cyclegan_mnist5k_inverted',
           'reacgan_digits', 'progan_mnist5k',
           'vae_digits', 'vae_mnist', 'vae_mnist5k')
NEEDS_INCEPTION = ('dcgan_cifar10', 'sngan_cifar10', 'cgan_pd_cifar10')


@pytest.mark.parametrize('name', CONFIGS)
@pytest.mark.parametrize('switch', ['', 'small', 'tiny'])
def test_config_validates(name, switch):
  config = importlib.import_module(f'configs.{name}').get_config(switch)
  if name in NEEDS_INCEPTION and not switch:   # full CIFAR-10 runs need the converted InceptionV3 weights
    with pytest.raises(ConfigError, match='eval.inception_weights'):
      validate_config(config, 'train')
  else:
    validate_config(config, 'train')


@pytest.mark.parametrize('name', ['cyclegan_digits_mnist5k', 'cyclegan_mnist5k_inverted'])
@pytest.mark.parametrize('switch, size', [('cpu', 32), ('64', 64)])
def test_cyclegan_switches_validate(name, switch, size):
  config = importlib.import_module(f'configs.{name}').get_config(switch)
  validate_config(config, 'train')
  assert config.data.image_size == size


def test_unknown_switch_is_refused():
  with pytest.raises(ValueError, match='allowed small, tiny'):
    importlib.import_module('configs.dcgan_digits').get_config('huge')


def test_published_sngan_hyperparameters():
  for name in ('sngan_cifar10', 'cgan_pd_cifar10'):
    config = importlib.import_module(f'configs.{name}').get_config()
    assert (config.loss.name, config.optim.g_lr, config.optim.b1, config.optim.b2) == ('hinge', 2e-4, 0.0, 0.9)
    assert (config.loss.n_critic, config.train.batch_size, config.train.steps) == (5, 64, 100_000)
    assert config.optim.schedule == 'linear' and config.model.name == 'resnet' and config.model.d_spectral_norm
  assert importlib.import_module('configs.cgan_pd_cifar10').get_config().model.conditional == 'projection'


def test_readme_main_command_is_the_real_mnist_job_and_ci_runs_its_test_command():
  root = pathlib.Path(__file__).resolve().parents[2]
  setup = (root / 'README.md').read_text().split('## Set up and run', 1)[1]
  main, tests = re.findall(r'```bash\n(.*?)\n```', setup, re.S)[:2]
  assert main.endswith('python launch.py --config configs/dcgan_mnist5k.py --workdir runs/dcgan_mnist5k')
  validate_config(importlib.import_module('configs.dcgan_mnist5k').get_config(), 'train')
  ci = (root / '.ci' / 'run').read_text().strip().splitlines()
  assert ci[-1] == tests
