"""The seed's experiment: DCGAN on MNIST at 32x32 (the seed's G makes 32x32 whatever its transform said),
batch 64, Adam(2e-4, 0.5, 0.999), BCE (non-saturating on logits), no EMA (the seed had none), ~5 epochs.

Needs MNIST prepared by tfds (or data.download=True once):
  python launch.py --config configs/dcgan_mnist.py --workdir runs/dcgan_mnist
  python launch.py --config configs/dcgan_mnist.py:small --workdir /tmp/mnist_small
"""

from configs import default
from configs.shrink import apply_switch


def get_config(arg: str = ''):
  config = default.get_config()
  config.data.name = 'mnist'
  config.data.image_size = 32
  config.data.channels = 1
  config.model.name = 'dcgan'
  config.model.latent_dim = 100
  config.model.g_width = 64
  config.model.d_width = 64
  config.loss.name = 'non_saturating'
  config.optim.g_lr = config.optim.d_lr = 2e-4
  config.optim.b1, config.optim.b2 = 0.5, 0.999
  config.ema.decay = 0.0
  config.train.steps = 4700        # 60000 / 64 = 938 steps per epoch
  config.train.batch_size = 64
  config.train.log_every = 100
  config.train.sample_every = 500
  config.checkpoint.every_steps = 1000
  config.eval.metrics = ('fid', 'modes')
  config.eval.extractor = 'classifier'
  config.eval.num_samples = 10000
  return apply_switch(config, arg)
