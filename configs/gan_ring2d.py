"""MLP GAN on 8 Gaussians on a ring (the mode-collapse benchmark of Metz et al.): a scatter plot of the
samples instead of an image grid; evaluated by mode statistics.
  python launch.py --config configs/gan_ring2d.py --workdir runs/gan_ring2d
"""

from configs import default
from configs.shrink import apply_switch


def get_config(arg: str = ''):
  config = default.get_config()
  config.data.name = 'ring2d'
  config.data.num_samples = 100_000
  config.model.name = 'mlp'
  config.model.latent_dim = 256
  config.model.g_depth, config.model.g_hidden, config.model.g_batch_norm = 4, 128, True
  config.model.d_depth, config.model.d_hidden, config.model.d_batch_norm = 3, 128, False
  config.loss.name = 'non_saturating'
  config.optim.g_lr = config.optim.d_lr = 1e-4
  config.ema.decay = 0.0
  config.train.steps = 5000
  config.train.batch_size = 512
  config.train.log_every = 100
  config.train.sample_every = 500
  config.train.num_sample_images = 2000   # points in each scatter plot
  config.checkpoint.every_steps = 1000
  config.eval.metrics = ('modes',)
  config.eval.best_metric = 'reverse_kl'   # lower is better
  config.eval.num_samples = 10_000
  config.eval.batch_size = 2000
  return apply_switch(config, arg)
