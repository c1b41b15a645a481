"""Is a candidate pair a copy? Align the two images, then measure what the alignment leaves.

Copies made in practice differ by re-encoding (JPEG), resizing, a shift or crop of a pixel or two,
brightness/contrast and a little noise; distinct images that merely look alike (simple strokes hash
alike) differ in their exact shapes. Both images are taken as 32x32 grey thumbnails
(hashing.thumbnails) and normalised to zero mean and unit std (brightness, contrast). One is aligned
onto the other by a shift (up to ~4 px) and a scale per axis (up to +-12%) with Lucas-Kanade, first on
16x16 versions, then on 32x32, both blurred (sigma 1.5 px) so that the alignment converges. The
aligned images are then compared with less blur (sigma 1 px): the distance is the RMS difference of
the aligned interiors in units of their std (0: equal, sqrt(2): unrelated), the smallest of the values
as they are and with either image blurred a little more (a resized copy is softer than its original).
Flat images never match (no content; exact duplicates catch equal ones).
On 5,000 real MNIST digits (benchmarks/near_duplicates.py) planted copies measure ~0.005-0.05 and no
two distinct digits come below 0.06.
"""

import dataclasses

import numpy as np
import scipy.ndimage

DEFAULT_MAX_DISTANCE = 0.06  # configs/default.py's data.clean.copy_max_distance, for callers without a config
_SIDE = 32
_ALIGN_BLUR = 1.5             # px of the 32x32 grid: a smooth image to align (Lucas-Kanade converges)
_BLUR = 1.0                   # px of the 32x32 grid: the images compared once aligned (sharper: finer detail)
_EXTRA_BLUR = (0.4, 0.8, 1.2, 1.6)   # px of the 32x32 grid: tried on either image after alignment
_MAX_SCALE = 0.12             # per axis, relative: a crop of 2 px of 28 is 7%
_CHUNK = 1024                 # pairs per vectorised step (a few MB each)
_COARSE_GATE = 3.0            # the 32x32 pass runs where the 16x16 distance is below this many thresholds


@dataclasses.dataclass(frozen=True)
class _Level:
  side: int        # thumbnail side at this level
  margin: int      # the compared window is the interior [margin, side - margin)
  search: int      # integer shifts tried before Lucas-Kanade (0: start from the previous level)
  iterations: int  # Gauss-Newton steps

  @property
  def window(self) -> np.ndarray:
    """float32 [side - 2 margin]: window coordinates relative to the image centre."""
    return np.arange(self.margin, self.side - self.margin, dtype=np.float32) - (self.side - 1) / 2


_COARSE = _Level(side=16, margin=2, search=2, iterations=3)   # +-2 px here: +-4 px of the 32x32 grid
_FINE = _Level(side=32, margin=4, search=0, iterations=2)


@dataclasses.dataclass
class Prepared:
  """Blurred, normalised thumbnails of a set of images: to align (both levels) and to compare."""
  fine: np.ndarray    # float32 [n, 32, 32], _ALIGN_BLUR
  coarse: np.ndarray  # float32 [n, 16, 16], from fine
  sharp: np.ndarray   # float32 [n, 32, 32], _BLUR


def _normalise(x: np.ndarray) -> np.ndarray:
  """Zero mean, unit std over the last two axes; a flat image becomes all zeros."""
  x = np.array(x, np.float32)   # a copy, normalised in place
  x -= x.mean((-2, -1), keepdims=True)
  std = np.sqrt(np.square(x).mean((-2, -1), keepdims=True))
  x *= np.where(std > 1e-3, 1 / np.maximum(std, 1e-3), 0)
  return x


def prepare(thumbs: np.ndarray) -> Prepared:
  """thumbs: float32 [n, 32, 32] from hashing.thumbnails (any affine range)."""
  blur = lambda sigma: _normalise(scipy.ndimage.gaussian_filter(np.asarray(thumbs, np.float32), (0, sigma, sigma),
                                                                 mode='nearest'))
  fine = blur(_ALIGN_BLUR)
  coarse = _normalise(fine.reshape(len(fine), _SIDE // 2, 2, _SIDE // 2, 2).mean((2, 4)))
  return Prepared(fine, coarse, blur(_BLUR))


def _sample_rows(x: np.ndarray, scale: np.ndarray, shift: np.ndarray, level: _Level):
  """Rows of x [P, side, K] at centre + (1 + scale) * window + shift: values and d/dshift, [P, W, K]."""
  src = (level.side - 1) / 2 + (1 + scale[:, None]) * level.window[None] + shift[:, None]
  src = np.clip(src, 0, level.side - 1.001)
  lo = np.floor(src).astype(np.intp)[..., None]
  frac = (src[..., None] - lo).astype(np.float32)
  x0, x1 = np.take_along_axis(x, lo, 1), np.take_along_axis(x, lo + 1, 1)
  return x0 + frac * (x1 - x0), x1 - x0


def _warp(a: np.ndarray, params: np.ndarray, level: _Level, gradients: bool):
  """a [P, side, side] sampled on the window under params (ty, tx, sy, sx): [P, W, W] (and d/dty, d/dtx)."""
  rows, d_rows = _sample_rows(a, params[:, 2], params[:, 0], level)
  flip = lambda x: x.transpose(0, 2, 1)
  warped, d_x = _sample_rows(flip(rows), params[:, 3], params[:, 1], level)
  if not gradients:
    return flip(warped)
  d_y, _ = _sample_rows(flip(d_rows), params[:, 3], params[:, 1], level)
  return flip(warped), flip(d_y), flip(d_x)


def _integer_search(a: np.ndarray, b: np.ndarray, level: _Level) -> np.ndarray:
  """float32 [P, 2]: the integer shift (ty, tx) of a that best matches b's interior (squared error)."""
  r, side = level.search, level.side
  target = b[:, r:side - r, r:side - r]
  best = np.full(len(a), np.inf, np.float32)
  shift = np.zeros((len(a), 2), np.float32)
  for dy in range(-r, r + 1):
    for dx in range(-r, r + 1):
      err = np.square(a[:, r + dy:side - r + dy, r + dx:side - r + dx] - target).mean((1, 2))
      better = err < best
      best[better], shift[better] = err[better], (dy, dx)
  return shift


def _align(a: np.ndarray, b: np.ndarray, params: np.ndarray, level: _Level):
  """Gauss-Newton on (ty, tx, sy, sx); brightness and contrast are normalised away at every step."""
  m = level.margin
  target = _normalise(b[:, m:level.side - m, m:level.side - m])
  wy, wx = level.window[:, None], level.window[None, :]
  limit = level.side / 8   # shifts beyond this are not copies; keeps a diverging pair in the image
  for _ in range(level.iterations):
    warped, d_y, d_x = _warp(a, params, level, gradients=True)
    std = warped.std((1, 2), keepdims=True) + 1e-6
    residual = ((warped - warped.mean((1, 2), keepdims=True)) / std - target).reshape(len(a), -1, 1)
    jac = np.stack([d_y, d_x, d_y * wy, d_x * wx], -1).reshape(len(a), -1, 4) / std.reshape(-1, 1, 1)
    jac -= jac.mean(1, keepdims=True)
    jac_t = jac.transpose(0, 2, 1)
    step = np.linalg.solve(jac_t @ jac + 1e-4 * np.eye(4, dtype=np.float32), -(jac_t @ residual))[..., 0]
    params = params + step
    params[:, :2] = np.clip(params[:, :2], -limit, limit)
    params[:, 2:] = np.clip(params[:, 2:], -_MAX_SCALE, _MAX_SCALE)
  return params, _normalise(_warp(a, params, level, gradients=False)), target


def _distance(warped: np.ndarray, target: np.ndarray, extra_blur=()) -> np.ndarray:
  """RMS difference of normalised windows, the smallest with and without an extra blur of either one."""
  corr = (warped * target).mean((1, 2))
  for sigma in extra_blur:
    soft = lambda x: _normalise(scipy.ndimage.gaussian_filter(x, (0, sigma, sigma), mode='nearest'))
    corr = np.maximum(corr, np.maximum((soft(warped) * target).mean((1, 2)), (warped * soft(target)).mean((1, 2))))
  return np.sqrt(np.maximum(2 * (1 - corr), 0)).astype(np.float32)


def _chunk_distances(a: Prepared, b: Prepared, i: np.ndarray, j: np.ndarray, threshold: float) -> np.ndarray:
  params = np.zeros((len(i), 4), np.float32)
  params[:, :2] = _integer_search(a.coarse[i], b.coarse[j], _COARSE)
  params, warped, target = _align(a.coarse[i], b.coarse[j], params, _COARSE)
  dist = _distance(warped, target)   # no extra blur: a cheap upper bound
  close = np.flatnonzero(dist <= _COARSE_GATE * threshold)
  if len(close):
    fine = params[close] * np.float32([2, 2, 1, 1])   # shifts in 32x32 pixels; scales are relative
    fine, _, _ = _align(a.fine[i[close]], b.fine[j[close]], fine, _FINE)
    warped = _normalise(_warp(a.sharp[i[close]], fine, _FINE, gradients=False))
    m = _FINE.margin
    dist[close] = _distance(warped, _normalise(b.sharp[j[close], m:-m, m:-m]), _EXTRA_BLUR)
  return dist


def distances(a: Prepared, b: Prepared, i: np.ndarray, j: np.ndarray, threshold: float) -> np.ndarray:
  """float32 [P]: copy distance of each pair (image i[k] of `a` aligned onto image j[k] of `b`).

  Pairs already farther than a few thresholds on 16x16 keep that coarse distance (they are no copies
  either way), so only plausible copies pay for the 32x32 alignment.
  """
  i, j = np.asarray(i, np.int64), np.asarray(j, np.int64)
  out = np.zeros(len(i), np.float32)
  for start in range(0, len(i), _CHUNK):
    part = slice(start, start + _CHUNK)
    out[part] = _chunk_distances(a, b, i[part], j[part], threshold)
  return out


def copy_distance(x: np.ndarray, y: np.ndarray) -> float:
  """The copy distance of two images given as [H, W, C] (or [H, W]) arrays: for tests and notebooks."""
  from gan_jax.data import hashing  # pylint: disable=g-import-not-at-top  (tf import only when used)
  pair = [np.asarray(z)[..., None] if np.ndim(z) == 2 else np.asarray(z) for z in (x, y)]
  prepared = [prepare(hashing.thumbnails(z[None].astype(np.float32))) for z in pair]
  return float(distances(prepared[0], prepared[1], np.zeros(1), np.zeros(1), np.inf)[0])

