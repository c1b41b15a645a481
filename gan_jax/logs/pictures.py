"""Sample pictures drawn with numpy + PIL: an image grid, or a scatter plot for 2-D point datasets."""

import math
import os
from typing import Optional, Tuple

import numpy as np
from PIL import Image, ImageDraw


def to_uint8(images: np.ndarray) -> np.ndarray:
  """[-1, 1] floats -> uint8 [0, 255] (values outside are clipped)."""
  return np.clip(np.round((np.asarray(images, np.float32) + 1.0) * 127.5), 0, 255).astype(np.uint8)


def image_grid(images: np.ndarray, padding: int = 2, cols: Optional[int] = None) -> np.ndarray:
  """[N, H, W, C] images in [-1, 1] -> one uint8 [rows*(H+p)+p, cols*(W+p)+p, C] grid, near-square
  unless `cols` is given (filled row by row)."""
  n, h, w, c = images.shape
  cols = cols or math.ceil(math.sqrt(n))
  rows = math.ceil(n / cols)
  grid = np.zeros((rows * (h + padding) + padding, cols * (w + padding) + padding, c), np.uint8)
  for i, image in enumerate(to_uint8(images)):
    top, left = padding + (i // cols) * (h + padding), padding + (i % cols) * (w + padding)
    grid[top:top + h, left:left + w] = image
  return grid


def class_row_labels(num_images: int, num_classes: int) -> Tuple[np.ndarray, int]:
  """(labels int32 [rows * cols], cols) for a grid of about num_images with row r showing class r:
  rows = min(num_classes, max(1, num_images // 4)) (the first classes when there are too many),
  cols = max(1, num_images // rows)."""
  rows = min(num_classes, max(1, num_images // 4))
  cols = max(1, num_images // rows)
  return np.repeat(np.arange(rows, dtype=np.int32), cols), cols


def scatter_plot(points: np.ndarray, centers: Optional[np.ndarray] = None, size: int = 512) -> np.ndarray:
  """[N, 2] points (blue dots) and optional [K, 2] mode centres (red crosses) -> uint8 [size, size, 3]."""
  points = np.asarray(points, np.float64)
  everything = points if centers is None else np.concatenate([points, np.asarray(centers)], 0)
  finite = everything[np.all(np.isfinite(everything), axis=1)]
  half = float(np.max(np.abs(finite))) * 1.1 if finite.size else 1.0
  half = half if half > 0 else 1.0
  to_pixel = lambda xy: ((xy[:, 0] / half + 1) * size / 2, (1 - xy[:, 1] / half) * size / 2)
  canvas = Image.new('RGB', (size, size), 'white')
  draw = ImageDraw.Draw(canvas)
  draw.line([(size / 2, 0), (size / 2, size)], fill=(225, 225, 225))
  draw.line([(0, size / 2), (size, size / 2)], fill=(225, 225, 225))
  for x, y in zip(*to_pixel(points)):
    draw.ellipse([x - 1.5, y - 1.5, x + 1.5, y + 1.5], fill=(31, 119, 180))
  if centers is not None:
    for x, y in zip(*to_pixel(np.asarray(centers, np.float64))):
      draw.line([(x - 5, y - 5), (x + 5, y + 5)], fill=(214, 39, 40), width=2)
      draw.line([(x - 5, y + 5), (x + 5, y - 5)], fill=(214, 39, 40), width=2)
  return np.asarray(canvas)


def samples_picture(samples: np.ndarray, centers: Optional[np.ndarray] = None) -> np.ndarray:
  """uint8 HxWxC picture of samples: a scatter plot for [N, 2] points, else an image grid."""
  return scatter_plot(samples, centers) if samples.ndim == 2 else image_grid(samples)


def save_png(path: str, picture: np.ndarray) -> None:
  os.makedirs(os.path.dirname(path) or '.', exist_ok=True)
  array = picture[..., 0] if picture.shape[-1] == 1 else picture
  Image.fromarray(array).save(path)
