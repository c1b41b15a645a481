"""ReACGAN on digits (Kang et al. 2021, "Rebooting ACGAN"): class-conditional BatchNorm in G; D's features
projected to a normalised embedding and scored against learned class proxies and the other samples of the
batch by the data-to-data cross-entropy (loss.d2d_temperature 0.5, loss.d2d_margin 0.98: the published
values), on real images for D and on the requested fake labels for G; hinge loss, loss.ac_weight = 1.
  python launch.py --config configs/reacgan_digits.py --workdir runs/reacgan_digits
  python launch.py --config configs/reacgan_digits.py --workdir runs/reacgan_digits --mode=sample --label=3
  python launch.py --config configs/reacgan_digits.py:small --workdir /tmp/reacgan_small   # smoke test (:tiny = tests)
"""

from configs import cgan_digits
from configs.shrink import apply_switch


def get_config(arg: str = ''):
  config = cgan_digits.get_config()
  config.model.d_spectral_norm = None   # the DCGAN D's default (no spectral norm): ReACGAN conditions without it
  config.model.conditional = 'reacgan'
  config.model.d_embed_dim = 128
  config.loss.name = 'hinge'
  config.loss.ac_weight = 1.0
  config.loss.ac_fake_weight = 0.0
  config.loss.d2d_temperature = 0.5
  config.loss.d2d_margin = 0.98
  return apply_switch(config, arg)
