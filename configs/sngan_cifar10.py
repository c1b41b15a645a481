"""ResNet SNGAN on CIFAR-10 with the published hyperparameters (Miyato et al. 2018; mimicry sngan_32):
G width 256, D width 128, latent 128, hinge loss, Adam 2e-4 betas (0, 0.9), 5 D steps per G step, batch 64,
100k G steps, linear decay to 0, spectral norm on every D layer. StudioGAN reports FID 9.01 for its SNGAN.

Needs CIFAR-10 prepared by tfds and eval.inception_weights (see README):
  python launch.py --config configs/sngan_cifar10.py --workdir runs/sngan_cifar10 \
      --config.eval.inception_weights=/path/pt_inception.npz
"""

from configs import default
from configs.shrink import apply_switch


def apply_sngan_recipe(config):
  """The published SNGAN training recipe on any config: ResNet, spectral norm on D, hinge loss, n_critic 5,
  Adam 2e-4 with betas (0, 0.9), linear decay (shared by configs/sngan_digits.py)."""
  config.model.name = 'resnet'
  config.model.d_spectral_norm = True
  config.loss.name = 'hinge'
  config.loss.n_critic = 5
  config.optim.g_lr = config.optim.d_lr = 2e-4
  config.optim.b1, config.optim.b2 = 0.0, 0.9
  config.optim.schedule = 'linear'
  return config


def get_config(arg: str = ''):
  config = apply_sngan_recipe(default.get_config())
  config.data.name = 'cifar10'
  config.data.image_size = 32
  config.data.channels = 3
  config.model.latent_dim = 128
  config.model.g_width = 256
  config.model.d_width = 128
  config.ema.decay = 0.0            # the published numbers use G itself
  config.train.steps = 100_000
  config.train.batch_size = 64
  config.train.log_every = 200
  config.train.sample_every = 5000
  config.checkpoint.every_steps = 5000
  config.eval.metrics = ('fid', 'is')
  config.eval.extractor = 'inception'
  config.eval.every_steps = 10_000
  config.eval.num_samples = 10_000
  return apply_switch(config, arg)
