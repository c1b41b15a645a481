"""DCGAN on scikit-learn's 8x8 digits upscaled to 32x32 (1 channel): quick looks and the tests' config (:tiny).
The README's main job is configs/dcgan_mnist5k.py, this network and schedule on real MNIST digits.

2.5 minutes on 2 idle CPU cores (BENCHMARKS.md), recognisable digits; evaluated on val every 1000 steps with
the digits classifier (FID in its feature space, and mode statistics), keeping the best checkpoint.
  python launch.py --config configs/dcgan_digits.py --workdir runs/dcgan_digits
  python launch.py --config configs/dcgan_digits.py:small --workdir /tmp/digits_small   # smoke test (:tiny = tests)
"""

from configs import default
from configs.shrink import apply_switch


def get_config(arg: str = ''):
  config = default.get_config()
  config.data.name = 'digits'
  config.data.image_size = 32
  config.data.channels = 1
  config.model.name = 'dcgan'
  config.model.latent_dim = 64
  config.model.g_width = 32
  config.model.d_width = 32
  config.loss.name = 'non_saturating'
  config.ema.decay = 0.998          # an EMA horizon of ~500 steps
  config.train.steps = 4000
  config.train.batch_size = 64
  config.train.log_every = 50
  config.train.sample_every = 500
  config.checkpoint.every_steps = 1000
  config.eval.metrics = ('fid', 'modes')
  config.eval.extractor = 'classifier'
  config.eval.num_samples = 1000
  config.eval.every_steps = 1000   # classifier FID + modes on val during training; the best checkpoint is kept
  return apply_switch(config, arg)
