"""Content hashes of pixels and of file bytes (exact duplicates) and 64-bit perceptual hashes (near duplicates)."""

import hashlib

import numpy as np
import scipy.fft

from gan_jax.data.tf_env import tf

_HASH_SIDE = 32      # images are reduced to 32x32 grey before the DCT (the classic pHash recipe)
_DCT_SIDE = 8        # the 8x8 lowest frequencies give 64 bits
_LUMA = np.array([0.299, 0.587, 0.114], np.float32)


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


def dct_features(images: np.ndarray) -> np.ndarray:
  """float32 [n, 64]: the 8x8 lowest DCT frequencies of each image's 32x32 grey version.

  images: uint8 [n, H, W, C], C in {1, 3}. Used for the perceptual hash and as the outlier embedding.
  """
  grey = images.astype(np.float32)
  grey = grey[..., 0] if grey.shape[-1] == 1 else grey[..., :3] @ _LUMA
  # Antialiasing only changes downsampling, and its kernel is ~5x slower: skip it when upsampling.
  downsampling = max(grey.shape[1:3]) > _HASH_SIDE
  small = tf.image.resize(grey[..., None], (_HASH_SIDE, _HASH_SIDE), method='bilinear',
                          antialias=downsampling).numpy()[..., 0]
  coeffs = scipy.fft.dctn(small, axes=(1, 2), norm='ortho')[:, :_DCT_SIDE, :_DCT_SIDE]
  return coeffs.reshape(len(images), -1).astype(np.float32)


def perceptual_hashes(features: np.ndarray) -> np.ndarray:
  """uint64 [n]: bit k set when DCT coefficient k is above the median of the AC coefficients."""
  median = np.median(features[:, 1:], axis=1, keepdims=True)
  bits = (features > median).astype(np.uint64)
  weights = np.left_shift(np.uint64(1), np.arange(64, dtype=np.uint64))
  return (bits * weights).sum(axis=1, dtype=np.uint64)


def hamming(a: np.ndarray, b: np.ndarray) -> np.ndarray:
  """Elementwise Hamming distance between uint64 arrays."""
  return np.bitwise_count(np.bitwise_xor(a, b)).astype(np.int32)
