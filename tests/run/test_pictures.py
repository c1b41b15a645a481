"""Sample grids and scatter plots."""

import numpy as np
from PIL import Image

from gan_jax.logs import pictures


def test_image_grid_tiles_images_in_order():
  images = np.stack([np.full((4, 4, 1), v, np.float32) for v in (-1.0, 0.0, 1.0)])
  grid = pictures.image_grid(images, padding=1)
  assert grid.shape == (2 * 5 + 1, 2 * 5 + 1, 1) and grid.dtype == np.uint8
  assert grid[1, 1, 0] == 0 and grid[1, 6, 0] == 128 and grid[6, 1, 0] == 255
  assert grid[6, 6, 0] == 0   # the empty fourth cell


def test_scatter_plot_draws_points_and_centres(tmp_path):
  points = np.array([[1.0, 1.0], [-1.0, -1.0]])
  picture = pictures.samples_picture(points, centers=np.array([[0.0, 2.0]]))
  assert picture.shape == (512, 512, 3)
  blue = np.all(picture == (31, 119, 180), axis=-1)
  red = np.all(picture == (214, 39, 40), axis=-1)
  ys, xs = np.nonzero(blue)
  assert xs.min() < 256 < xs.max() and ys.min() < 256 < ys.max()   # one point per quadrant
  assert red[:, 240:272].any() and not red[:, :200].any()
  pictures.save_png(str(tmp_path / 'scatter.png'), picture)
  assert Image.open(tmp_path / 'scatter.png').size == (512, 512)
