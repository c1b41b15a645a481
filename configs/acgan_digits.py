"""AC-GAN on digits (Odena et al. 2017): class-conditional BatchNorm in G, an auxiliary classifier head on
D, loss.ac_weight = 1 on the class cross-entropy of reals (D) and of the requested fake labels (G).
D's classifier learns from real images only (loss.ac_fake_weight = 0, as StudioGAN and TAC-GAN train it);
the paper's objective, which also trains it on generated images, is --config.loss.ac_fake_weight=1 (on
digits it conditioned on some seeds only: BENCHMARKS.md, "Conditional GANs").
  python launch.py --config configs/acgan_digits.py --workdir runs/acgan_digits
  python launch.py --config configs/acgan_digits.py --workdir runs/acgan_digits --mode=sample --label=3
  python launch.py --config configs/acgan_digits.py:small --workdir /tmp/acgan_small   # smoke test (:tiny = tests)
"""

from configs import cgan_digits
from configs.shrink import apply_switch


def get_config(arg: str = ''):
  config = cgan_digits.get_config()
  config.model.d_spectral_norm = None   # the DCGAN D's default (no spectral norm): AC-GAN conditions without it
  config.model.conditional = 'acgan'
  config.loss.name = 'non_saturating'
  config.loss.ac_weight = 1.0
  config.loss.ac_fake_weight = 0.0
  return apply_switch(config, arg)
