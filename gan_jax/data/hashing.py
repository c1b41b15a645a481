"""Content hashes of pixels and of file bytes (exact duplicates) and 64-bit perceptual hashes (near duplicates).

A perceptual hash moves by a dozen bits when its image shifts by a pixel or two, so the near-duplicate
search also hashes each image's thumbnail under small shifts and scalings (`variant_hashes`) and looks
for any of those near another image's plain hash.
"""

import hashlib

import numpy as np
import scipy.fft

from gan_jax.data.tf_env import tf

_HASH_SIDE = 32      # images are reduced to 32x32 grey before the DCT (the classic pHash recipe)
_DCT_SIDE = 8        # the 8x8 lowest frequencies give 64 bits
_LUMA = np.array([0.299, 0.587, 0.114], np.float32)
_THUMB_CHUNK = 1024  # images converted to float at a time
_MARGIN = 0.1        # stable_hashes: bits clearly above the median only (in mean absolute deviations)


def content_hash(pixels: np.ndarray) -> np.uint64:
  """64-bit hash of an array's shape and bytes: equal pixels <=> equal hash (up to 2^-64)."""
  digest = hashlib.blake2b(repr(pixels.shape).encode() + np.ascontiguousarray(pixels).tobytes(),
                           digest_size=8).digest()
  return np.frombuffer(digest, np.uint64)[0]


def bytes_hash(data: bytes) -> np.uint64:
  """64-bit hash of a file's bytes: byte-identical files <=> equal hash (up to 2^-64)."""
  return np.frombuffer(hashlib.blake2b(data, digest_size=8).digest(), np.uint64)[0]


def content_hashes(batch: np.ndarray) -> np.ndarray:
  """uint64 [n] content hashes of a batch [n, ...]."""
  return np.array([content_hash(x) for x in batch], np.uint64)


def thumbnails(images: np.ndarray) -> np.ndarray:
  """float32 [n, 32, 32] in [0, 255]: each image's grey version on the hash grid.

  images: uint8 [n, H, W, C], C in {1, 3}.
  """
  out = np.zeros((len(images), _HASH_SIDE, _HASH_SIDE), np.float32)
  for start in range(0, len(images), _THUMB_CHUNK):   # float copies of large images stay small
    grey = images[start:start + _THUMB_CHUNK].astype(np.float32)
    grey = grey[..., 0] if grey.shape[-1] == 1 else grey[..., :3] @ _LUMA
    if grey.shape[1:3] != (_HASH_SIDE, _HASH_SIDE):
      # Antialiasing only changes downsampling, and its kernel is ~5x slower: skip it when upsampling.
      downsampling = max(grey.shape[1:3]) > _HASH_SIDE
      grey = tf.image.resize(grey[..., None], (_HASH_SIDE, _HASH_SIDE), method='bilinear',
                             antialias=downsampling).numpy()[..., 0]
    out[start:start + _THUMB_CHUNK] = grey
  return out


def dct_features(images: np.ndarray) -> np.ndarray:
  """float32 [n, 64]: the 8x8 lowest DCT frequencies of each image's 32x32 grey version.

  images: uint8 [n, H, W, C], C in {1, 3}. Used for the perceptual hash and as the outlier embedding.
  """
  coeffs = scipy.fft.dctn(thumbnails(images), axes=(1, 2), norm='ortho')[:, :_DCT_SIDE, :_DCT_SIDE]
  return coeffs.reshape(len(images), -1).astype(np.float32)


def perceptual_hashes(features: np.ndarray) -> np.ndarray:
  """uint64 [n]: bit k set when DCT coefficient k is above the median of the AC coefficients."""
  median = np.median(features[:, 1:], axis=1, keepdims=True)
  bits = (features > median).astype(np.uint64)
  weights = np.left_shift(np.uint64(1), np.arange(64, dtype=np.uint64))
  return (bits * weights).sum(axis=1, dtype=np.uint64)


def stable_hashes(features: np.ndarray) -> np.ndarray:
  """uint64 [n]: like perceptual_hashes, but a bit is set only clearly above the median.

  Smooth or upscaled images have many high-frequency coefficients at ~0, right at the median; there
  pixel noise of +-2 flipped ~5 of the 64 classic bits. The margin (a tenth of the coefficients' mean
  absolute deviation from their median) keeps such coefficients at 0 in an image and in its copies.
  """
  ac, mid = features[:, 1:], (features.shape[1] - 1) // 2
  median = np.partition(ac, mid, axis=1)[:, mid:mid + 1]   # of the 63 AC coefficients: exact
  spread = np.abs(ac - median).mean(axis=1, keepdims=True)
  bits = features > median + _MARGIN * spread                        # bit k: coefficient k, as perceptual_hashes
  return np.packbits(bits, axis=1, bitorder='little').view('<u8')[:, 0].astype(np.uint64)


def _resampling(scale: float, shift: float, side: int) -> np.ndarray:
  """[side, side]: output row r = input at centre + (r - centre) / scale - shift (linear, edges repeated)."""
  centre = (side - 1) / 2
  src = np.clip(centre + (np.arange(side) - centre) / scale - shift, 0, side - 1)
  lo = np.minimum(np.floor(src).astype(int), side - 2)
  frac = src - lo
  matrix = np.zeros((side, side))
  matrix[np.arange(side), lo] = 1 - frac
  matrix[np.arange(side), lo + 1] += frac
  return matrix


# (scale, shift in pixels of the 32x32 grid) per axis; the identity first. Shifts reach 3 px because a
# 2-pixel shift of a 28x28 image is 2.3 px here; the +-6% scalings cover a crop of a pixel or two.
VARIANTS = tuple([((1.0, 0), (1.0, 0))] +
                 [((1.0, dy), (1.0, dx)) for dy in range(-3, 4) for dx in range(-3, 4) if dy or dx] +
                 [((s, dy), (s, dx)) for s in (0.94, 1.06) for dy in (-1, 0, 1) for dx in (-1, 0, 1)])
# The variants are hashed on 16x16 reductions: the 8x8 lowest DCT frequencies are the same ones (in
# cycles per image) as on 32x32, at a quarter of the cost.
_VARIANT_SIDE = 16


def variant_hashes(thumbs: np.ndarray) -> np.ndarray:
  """uint64 [n, len(VARIANTS)]: stable_hashes of each thumbnail resampled by each variant.

  thumbs: float32 [n, 32, 32] from `thumbnails`; column 0 is the plain hash (no resampling). The DCT
  of a resampled image is (DCT8 @ Ry) @ x @ (DCT8 @ Rx)^T, so no resampled image is ever built.
  """
  n, side, k = len(thumbs), _VARIANT_SIDE, _DCT_SIDE
  if not n:
    return np.zeros((0, len(VARIANTS)), np.uint64)
  factor = _HASH_SIDE // side
  thumbs = np.asarray(thumbs, np.float32)
  thumbs = sum(thumbs[:, dy::factor, dx::factor] for dy in range(factor) for dx in range(factor)) / factor ** 2
  dct = scipy.fft.dct(np.eye(side), norm='ortho', axis=0)[:k]
  axes = sorted({axis for variant in VARIANTS for axis in variant})
  ops = np.concatenate([dct @ _resampling(scale, shift / factor, side) for scale, shift in axes])
  ops = ops.astype(np.float32)                                                   # [A * 8, side]
  where = {axis: a for a, axis in enumerate(axes)}
  # Plain 2-D matrix products (a few BLAS calls): every row operator at once, then every column operator.
  columns_first = np.ascontiguousarray(thumbs.transpose(0, 2, 1)).reshape(n * side, side)
  rows = (columns_first @ ops.T).reshape(n, side, len(axes), k)                # [n, x, A, 8]
  out = np.zeros((n, len(VARIANTS)), np.uint64)
  for ay in sorted({ay for ay, _ in VARIANTS}):
    by_row = np.ascontiguousarray(rows[:, :, where[ay]].transpose(0, 2, 1)).reshape(n * k, side)
    variants = [(v, ax) for v, (y, ax) in enumerate(VARIANTS) if y == ay]
    column_ops = np.concatenate([ops[where[ax] * k:(where[ax] + 1) * k] for _, ax in variants])
    features = (by_row @ column_ops.T).reshape(n, k, len(variants), k)         # [n, 8, V_ay, 8]
    for c, (v, _) in enumerate(variants):
      out[:, v] = stable_hashes(features[:, :, c].reshape(n, -1))
  return out


def hamming(a: np.ndarray, b: np.ndarray) -> np.ndarray:
  """Elementwise Hamming distance between uint64 arrays."""
  return np.bitwise_count(np.bitwise_xor(a, b)).astype(np.int32)
