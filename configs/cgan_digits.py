"""Class-conditional DCGAN on digits (32x32, 1 channel): conditional BatchNorm in G, projection D
(Miyato & Koyama 2018) with spectral norm on D as in their paper, hinge loss. Without spectral norm the
projection D overpowered a narrow G (widths 16: FID ~600 on 3 of 3 seeds; BENCHMARKS.md, "Conditional GANs"). Evaluated with FID, intra-FID, conditional accuracy (GAN-test) and CAS.
  python launch.py --config configs/cgan_digits.py --workdir runs/cgan_digits
  python launch.py --config configs/cgan_digits.py --workdir runs/cgan_digits --mode=sample --label=3
  python launch.py --config configs/cgan_digits.py:small --workdir /tmp/cgan_small   # smoke test (:tiny = tests)
"""

from configs import dcgan_digits
from configs.shrink import apply_switch


def get_config(arg: str = ''):
  config = dcgan_digits.get_config()
  config.model.conditional = 'projection'
  config.model.fake_labels = 'data'
  config.model.d_spectral_norm = True
  config.loss.name = 'hinge'
  config.optim.b1, config.optim.b2 = 0.5, 0.999
  config.eval.metrics = ('fid', 'intra_fid', 'conditional_accuracy', 'cas')
  config.eval.num_samples = 2000    # 200 per class: intra-FID needs more than the 64-d features per class
  config.eval.best_metric = 'fid'
  return apply_switch(config, arg)
