"""VAE config validation: one-line ConfigErrors before anything compiles (in-process; launch.py's exit 2
path is exercised in tests/families/vae/test_vae_runs.py). The VAE's keys are its own `vae` section."""

import pytest

from configs import default, vae_digits
from gan_jax import config_checks
from gan_jax.core import schema
from gan_jax.core.errors import ConfigError
from gan_jax.families.vae import trainer as vae_trainer
from run_helpers import make_tiny_config

BAD = [
    ({'loss.n_critic': 5}, 'loss.n_critic=5 is a GAN-only setting; model.name=vae is a VAE'),
    ({'model.pack': 2}, 'model.pack=2 is a GAN-only setting'),
    ({'loss.gp_weight': 10.0}, 'loss.gp_weight=10.0 is a GAN-only setting'),
    # The GAN-named keys the VAE read before it had its own section: refused, naming the replacement.
    ({'optim.g_lr': 1e-3}, "optim.g_lr=0.001 is a GAN-only setting; model.name=vae is a VAE (allowed: 0.0002); "
                           "the VAE's own key is vae.lr"),
    ({'model.g_width': 8}, "model.g_width=8 is a GAN-only setting; model.name=vae is a VAE (allowed: 64); the "
                           "VAE's own key is vae.decoder_width"),
    ({'model.d_hidden': 16}, "the VAE's own key is vae.encoder_hidden"),
    ({'vae.likelihood': 'poisson'}, "vae.likelihood='poisson' is not a known VAE likelihood; "
                                    'allowed: bernoulli, gaussian'),
    ({'vae.lr': 0.0}, 'vae.lr=0.0 must be a finite number > 0'),
    ({'vae.encoder_width': 0}, 'vae.encoder_width=0 must be an integer >= 1'),
    ({'vae.decoder_hidden': -3}, 'vae.decoder_hidden=-3 must be an integer >= 1'),
    ({'vae.beta': 0.0}, 'vae.beta=0.0 must be a finite number > 0'),
    ({'vae.beta': -1.0}, 'vae.beta=-1.0 must be a finite number > 0'),
    ({'vae.kl_warmup_steps': -1}, 'vae.kl_warmup_steps=-1 must be an integer >= 0'),
    ({'vae.scale': -0.1}, 'vae.scale=-0.1 must be a finite number >= 0'),
    ({'vae.iwae_samples': 0}, 'vae.iwae_samples=0 must be an integer >= 1'),
    # A Bernoulli VAE bounds binarised images: its results are *_binarized, not the 8-bit bounds.
    ({'eval.best_metric': 'neg_elbo'}, "eval.best_metric='neg_elbo' is not reported with vae.likelihood="
                                       "'bernoulli'; allowed bounds: neg_elbo_binarized, bits_per_dim_binarized"),
    ({'vae.likelihood': 'gaussian', 'eval.best_metric': 'neg_iwae_binarized'},
     "eval.best_metric='neg_iwae_binarized' is not reported with vae.likelihood='gaussian'"),
    ({'data.image_size': 20}, 'data.image_size=20 is not supported by model.name=vae'),
]


def _vae_config(**overrides):
  config = vae_digits.get_config('tiny')
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
  mlp = _vae_config(**{'vae.likelihood': 'gaussian', 'vae.beta': 4.0, 'vae.kl_warmup_steps': 3,
                       'eval.best_metric': 'neg_iwae'})
  mlp.model.name = 'vae_mlp'
  config_checks.validate_config(mlp, 'train', devices=False)


def test_the_gan_only_defaults_are_the_base_configs():
  """vae/trainer.GAN_ONLY's 'does nothing' values are configs/default.py's (a VAE config leaves them there)."""
  base = default.get_config()
  for key, _ in vae_trainer.GAN_ONLY:
    section, name = key.split('.')
    assert base[section][name] == schema.BY_NAME[key].default, key


def test_the_vae_keys_live_in_their_own_section():
  base = default.get_config()
  for section, key in (('model', 'vae_likelihood'), ('model', 'vae_scale'), ('loss', 'beta'),
                       ('loss', 'kl_warmup_steps'), ('eval', 'iwae_samples')):
    assert key not in base[section], f'{section}.{key}'
  assert set(base.vae) >= {'lr', 'encoder_width', 'decoder_width', 'encoder_hidden', 'decoder_hidden', 'likelihood',
                           'scale', 'beta', 'kl_warmup_steps', 'iwae_samples'}


def test_a_gan_refuses_a_vae_key_set_away_from_its_default():
  config = make_tiny_config()
  config_checks.validate_config(config, 'train', devices=False)
  config.vae.beta = 2.0
  with pytest.raises(ConfigError, match=r'^vae.beta=2.0 applies to VAEs only; model.name=dcgan is a GAN'):
    config_checks.validate_config(config, 'train', devices=False)
