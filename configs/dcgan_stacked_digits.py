"""Stacked digits (three digits in the RGB channels: 1000 modes), the mode-coverage benchmark of
Unrolled GAN / PacGAN; DCGAN with PacGAN packing 2; modes counted with the digits classifier.
  python launch.py --config configs/dcgan_stacked_digits.py --workdir runs/dcgan_stacked_digits
"""

from configs import default
from configs.shrink import apply_switch


def get_config(arg: str = ''):
  config = default.get_config()
  config.data.name = 'stacked_digits'
  config.data.image_size = 32
  config.data.channels = 3
  config.data.num_samples = 100_000
  config.model.name = 'dcgan'
  config.model.latent_dim = 64
  config.model.g_width = 32
  config.model.d_width = 32
  config.model.pack = 2
  config.loss.name = 'non_saturating'
  config.ema.decay = 0.999
  config.train.steps = 10_000
  config.train.batch_size = 64
  config.train.log_every = 100
  config.train.sample_every = 1000
  config.checkpoint.every_steps = 2000
  config.eval.metrics = ('modes', 'fid')
  config.eval.best_metric = 'fid'
  config.eval.extractor = 'classifier'
  config.eval.num_samples = 10_000
  return apply_switch(config, arg)
