"""ResNet SNGAN on digits (32x32, 1 channel): mimicry's sngan_32 layout at a CPU-sized width, spectral norm
on every D layer, hinge loss, Adam 2e-4 betas (0, 0.9), n_critic 5, linear decay (Miyato et al. 2018).
  python launch.py --config configs/sngan_digits.py --workdir runs/sngan_digits
  python launch.py --config configs/sngan_digits.py:small --workdir /tmp/sngan_small   # smoke test (:tiny = tests)
"""

from configs import dcgan_digits
from configs.shrink import apply_switch
from configs.sngan_cifar10 import apply_sngan_recipe


def get_config(arg: str = ''):
  config = apply_sngan_recipe(dcgan_digits.get_config())
  config.model.latent_dim = 64
  config.model.g_width = 64         # published 256 / 128 (configs/sngan_cifar10.py); narrower for CPU
  config.model.d_width = 64
  config.train.steps = 2000
  config.train.batch_size = 64
  return apply_switch(config, arg)
