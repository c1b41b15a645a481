"""Decoding and per-example checks: every bad example becomes a `Fault` with a reason, never a crash.

Reasons (report keys): those of gan_jax.data.files (a folder entry that is not a readable regular file),
zero_byte, undecodable, truncated, non_finite, too_small, wrong_channels.
"""

import dataclasses
import io
from typing import List, Optional, Tuple

import numpy as np
from PIL import Image, ImageOps

from gan_jax.data import files, hashing
from gan_jax.data.records import Fault

_TARGET_MODE = {1: 'L', 3: 'RGB'}
_ORIENTATION_TAG = 0x0112
_QUALITY_FACTOR = 2
_MIN_WORKING_SIDE = 64
_LUMA = np.array([0.299, 0.587, 0.114])

# The report's note for a non-square file: data.image_size is square, so it is stretched (aspect ratio changed).
NON_SQUARE = 'non-square: stretched to square (aspect ratio changed)'


@dataclasses.dataclass
class Decoded:
  """A decoded image file, reduced to about its working size (see `working_side`)."""
  pixels: np.ndarray          # uint8 [h, w, channels]
  conversions: List[str]      # what was changed to use it ('L->RGB', 'EXIF orientation 6 applied'), for the report
  content_hash: np.uint64     # of the file's bytes: byte-identical files are exact duplicates


def working_side(image_size: int) -> int:
  """The side, in pixels, that decoding keeps at least (when the image has it).

  _QUALITY_FACTOR times the output size, so that the final antialiased resize still averages several
  source pixels per output pixel, and at least twice the 32x32 grid of the perceptual hash.
  """
  return max(_QUALITY_FACTOR * image_size, _MIN_WORKING_SIDE)


def decode_file(path: str, channels: int, channel_policy: str, min_size: int = 0,
                reduce_to: int = 0) -> Decoded:
  """Decodes an image file to uint8 [h, w, channels], upright (EXIF orientation applied).

  reduce_to > 0: an image whose sides both exceed it is decoded reduced (JPEG: DCT scaling by 1/2..1/8
  while decoding, `Image.draft`; then, any format, a box filter by an integer factor) so that its smaller
  side stays >= reduce_to. A JPEG photo is never held at full resolution; other formats only one at a time.
  min_size applies to the ORIGINAL size.
  Raises Fault: the reasons of files.read_regular_file, zero_byte, undecodable (not an image / broken
  data), truncated, too_small (a side below min_size), wrong_channels (channel_policy='drop'),
  non_finite (float images).
  """
  data = files.read_regular_file(path)
  if not data:
    raise Fault('zero_byte')
  try:
    image = Image.open(io.BytesIO(data))
  except Exception as e:  # PIL raises many types for non-images
    raise Fault('undecodable', f'{type(e).__name__}: not an image PIL can read') from None
  width, height = image.size
  if reduce_to:
    image.draft(None, (reduce_to, reduce_to))   # a no-op for formats other than JPEG
  try:
    image.load()
  except Exception as e:  # truncated streams raise OSError('image file is truncated ...')
    reason = 'truncated' if 'truncated' in str(e).lower() or isinstance(e, EOFError) else 'undecodable'
    raise Fault(reason, f'{type(e).__name__}: {str(e)[:120]}') from None
  if min(width, height) < min_size:
    raise Fault('too_small', f'{width}x{height} < data.clean.min_size={min_size}')
  conversions = []
  image = _upright(image, conversions)
  target = _TARGET_MODE[channels]
  if image.mode != target:
    if channel_policy == 'drop':
      raise Fault('wrong_channels', f'mode {image.mode}, need {target}')
    conversions.append(f'{image.mode}->{target}')
    image = _convert_mode(image, target)
  if image.width != image.height:   # resized to data.image_size square later: the shape is distorted
    conversions.append(NON_SQUARE)
  factor = min(image.size) // reduce_to if reduce_to else 1
  if factor >= 2:   # box filter over the whole extent (Image.reduce would leave a partial last block)
    image = image.resize((round(image.width / factor), round(image.height / factor)), Image.BOX)
  pixels = np.asarray(image, np.uint8).reshape(image.height, image.width, channels)
  return Decoded(pixels, conversions, hashing.bytes_hash(data))


def _upright(image: Image.Image, conversions: List[str]) -> Image.Image:
  """Applies the EXIF orientation (phone photos store portraits sideways); unreadable EXIF is ignored."""
  try:
    orientation = image.getexif().get(_ORIENTATION_TAG, 1)
  except Exception:  # malformed EXIF blocks raise various errors; the pixels are still usable
    return image
  if orientation not in range(2, 9):
    return image
  try:
    upright = ImageOps.exif_transpose(image)
  except Exception as e:
    raise Fault('undecodable', f'EXIF orientation {orientation}: {type(e).__name__}') from None
  conversions.append(f'EXIF orientation {orientation} applied')
  return upright


def _convert_mode(image: Image.Image, target: str) -> Image.Image:
  """PIL mode conversion; high-bit-depth and float modes are rescaled to 8 bits first."""
  if image.mode in ('I', 'I;16', 'I;16B', 'I;16L', 'F'):
    values = np.asarray(image, np.float64)
    if not np.isfinite(values).all():
      raise Fault('non_finite', f'mode {image.mode} has NaN/Inf pixels')
    scale = 1.0 if image.mode == 'F' and values.max(initial=0) <= 1.0 else (255.0 if image.mode == 'F' else 65535.0)
    image = Image.fromarray(np.round(values / scale * 255).clip(0, 255).astype(np.uint8), 'L')
  return image.convert(target)


def array_to_uint8(batch: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
  """Decoded arrays [n, H, W, C] of any dtype -> (uint8 [n, H, W, C], finite bool [n]).

  uint8 passes through; uint16 keeps its top 8 bits; floats are taken as [0, 1] when their maximum is
  <= 1, else [0, 255]. Non-finite examples are flagged (their pixels become 0).
  """
  if batch.dtype == np.uint8:
    return batch, np.ones(len(batch), bool)
  if batch.dtype == np.uint16:
    return (batch >> 8).astype(np.uint8), np.ones(len(batch), bool)
  values = batch.astype(np.float64)
  finite = np.isfinite(values.reshape(len(batch), -1)).all(axis=1)
  values = np.where(np.isfinite(values), values, 0.0)
  scale = 255.0 if values.max(initial=0) <= 1.0 and batch.dtype.kind == 'f' else 1.0
  return np.round(values * scale).clip(0, 255).astype(np.uint8), finite


def match_channels(batch: np.ndarray, channels: int) -> Tuple[np.ndarray, Optional[str]]:
  """uint8 [n, H, W, c] -> [n, H, W, channels] and the conversion made ('1->3', ...; None if none).

  1 -> 3 repeats grey; 3/4 -> 1 takes luma; 4 -> 3 drops alpha; 2 (grey + alpha) drops alpha.
  """
  have = batch.shape[-1]
  if have == channels:
    return batch, None
  if have in (2, 4):
    batch = batch[..., :have - 1]
  if batch.shape[-1] == 1 and channels == 3:
    batch = np.repeat(batch, 3, axis=-1)
  elif batch.shape[-1] == 3 and channels == 1:
    batch = np.round(batch @ _LUMA).astype(np.uint8)[..., None]
  return batch, f'{have}->{channels} channels'
