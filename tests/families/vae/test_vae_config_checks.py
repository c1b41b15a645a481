"""VAE config validation: one-line ConfigErrors before anything compiles (in-process; launch.py's exit 2
path is exercised in tests/families/vae/test_vae_runs.py)."""

import pytest

from gan_jax import config_checks
from gan_jax.core.errors import ConfigError
from run_helpers import make_tiny_config

BAD = [
    ({'loss.n_critic': 5}, 'loss.n_critic=5 is a GAN-only setting; model.name=vae is a VAE'),
    ({'model.pack': 2}, 'model.pack=2 is a GAN-only setting'),
    ({'loss.gp_weight': 10.0}, 'loss.gp_weight=10.0 is a GAN-only setting'),
    ({'model.vae_likelihood': 'poisson'}, "model.vae_likelihood='poisson' is not a known VAE likelihood; "
                                          'allowed: bernoulli, gaussian'),
    ({'loss.beta': 0.0}, 'loss.beta=0.0 must be a finite number > 0'),
    ({'loss.beta': -1.0}, 'loss.beta=-1.0 must be a finite number > 0'),
    ({'loss.kl_warmup_steps': -1}, 'loss.kl_warmup_steps=-1 must be an integer >= 0'),
    ({'model.vae_scale': -0.1}, 'model.vae_scale=-0.1 must be a finite number >= 0'),
    ({'eval.iwae_samples': 0}, 'eval.iwae_samples=0 must be an integer >= 1'),
    ({'data.image_size': 20}, 'data.image_size=20 is not supported by model.name=vae'),
]


def _vae_config(**overrides):
  config = make_tiny_config()
  config.model.name = 'vae'
  for dotted, value in overrides.items():
    section, key = dotted.split('.')
    config[section][key] = value
  return config


@pytest.mark.parametrize('overrides, message', BAD, ids=[m.split('=')[0] for _, m in BAD])
def test_bad_vae_config_is_one_line(overrides, message):
  with pytest.raises(ConfigError) as error:
    config_checks.validate_config(_vae_config(**overrides), 'train', devices=False)
  assert message in str(error.value) and '\n' not in str(error.value)


def test_good_vae_configs_pass():
  config_checks.validate_config(_vae_config(), 'train', devices=False)
  mlp = _vae_config(**{'model.vae_likelihood': 'gaussian', 'loss.beta': 4.0, 'loss.kl_warmup_steps': 3})
  mlp.model.name = 'vae_mlp'
  config_checks.validate_config(mlp, 'train', devices=False)


def test_vae_keys_are_rejected_for_a_gan():
  config = make_tiny_config()
  config.loss.beta = 2.0
  with pytest.raises(ConfigError, match='apply to VAEs only'):
    config_checks.validate_config(config, 'train', devices=False)
