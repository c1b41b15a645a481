"""cGAN with projection discriminator on CIFAR-10 (Miyato & Koyama 2018; mimicry cgan_pd_32): the SNGAN
ResNet with class-conditional BatchNorm in G and a projection D, published hyperparameters (hinge, Adam 2e-4
betas (0, 0.9), n_critic 5, batch 64, 100k G steps, linear decay). StudioGAN: PD-GAN FID 31.54, intra-FID 65.04.

Needs CIFAR-10 prepared by tfds and eval.inception_weights (see README):
  python launch.py --config configs/cgan_pd_cifar10.py --workdir runs/cgan_pd_cifar10 \
      --config.eval.inception_weights=/path/pt_inception.npz
"""

from configs import sngan_cifar10
from configs.shrink import apply_switch


def get_config(arg: str = ''):
  config = sngan_cifar10.get_config()
  config.model.conditional = 'projection'
  config.model.fake_labels = 'uniform'   # CIFAR-10 is balanced
  config.eval.metrics = ('fid', 'is', 'intra_fid')
  config.eval.num_samples = 50_000   # intra-FID: > 2048 (Inception features) samples per class
  return apply_switch(config, arg)
