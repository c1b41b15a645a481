"""DCGAN on CIFAR-10 (32x32 RGB) with horizontal flips, EMA, FID/KID with InceptionV3 features.

Needs CIFAR-10 prepared by tfds and eval.inception_weights (see README):
  python launch.py --config configs/dcgan_cifar10.py --workdir runs/dcgan_cifar10 \
      --config.eval.inception_weights=/path/pt_inception.npz
"""

from configs import default
from configs.shrink import apply_switch


def get_config(arg: str = ''):
  config = default.get_config()
  config.data.name = 'cifar10'
  config.data.image_size = 32
  config.data.channels = 3
  config.data.augment.hflip = 0.5
  config.model.name = 'dcgan'
  config.model.latent_dim = 128
  config.model.g_width = 64
  config.model.d_width = 64
  config.loss.name = 'non_saturating'
  config.ema.decay = 0.999
  config.train.steps = 50_000
  config.train.batch_size = 128
  config.train.log_every = 200
  config.train.sample_every = 2500
  config.checkpoint.every_steps = 5000
  config.eval.metrics = ('fid', 'kid', 'is')
  config.eval.extractor = 'inception'
  config.eval.every_steps = 10_000
  config.eval.num_samples = 10_000
  return apply_switch(config, arg)
