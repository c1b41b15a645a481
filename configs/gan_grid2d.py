"""MLP GAN on a 5x5 grid of Gaussians: scatter-plot samples, mode statistics at the end.
  python launch.py --config configs/gan_grid2d.py --workdir runs/gan_grid2d
"""

from configs import gan_ring2d


def get_config(arg: str = ''):
  config = gan_ring2d.get_config(arg)
  config.data.name = 'grid2d'
  if not arg:
    config.train.steps = 10_000
  return config
