"""Decoding and per-example checks: every bad example becomes a `Fault` with a reason, never a crash.

Reasons (report keys): zero_byte, undecodable, truncated, non_finite, too_small, wrong_channels.
"""

import io
from typing import Optional, Tuple

import numpy as np
from PIL import Image

_TARGET_MODE = {1: 'L', 3: 'RGB'}
_LUMA = np.array([0.299, 0.587, 0.114])


class Fault(Exception):
  """An example that cannot be used; `reason` is a report key, `detail` says what was seen."""

  def __init__(self, reason: str, detail: str = ''):
    super().__init__(f'{reason}: {detail}')
    self.reason = reason
    self.detail = detail


def decode_file(path: str, channels: int, channel_policy: str,
                min_size: int = 0) -> Tuple[np.ndarray, Optional[str]]:
  """Decodes an image file to uint8 [H, W, channels].

  Returns (pixels, conversion) where conversion is e.g. 'L->RGB' when the mode was converted, else None.
  Raises Fault: zero_byte, undecodable (not an image / broken data), truncated, too_small (a side below
  min_size), wrong_channels (channel_policy='drop'), non_finite (float images).
  """
  try:
    with open(path, 'rb') as f:
      data = f.read()
  except OSError as e:
    raise Fault('undecodable', f'cannot read: {e}') from None
  if not data:
    raise Fault('zero_byte')
  try:
    image = Image.open(io.BytesIO(data))
  except Exception as e:  # PIL raises many types for non-images
    raise Fault('undecodable', f'{type(e).__name__}: not an image PIL can read') from None
  try:
    image.load()
  except Exception as e:  # truncated streams raise OSError('image file is truncated ...')
    reason = 'truncated' if 'truncated' in str(e).lower() or isinstance(e, EOFError) else 'undecodable'
    raise Fault(reason, f'{type(e).__name__}: {str(e)[:120]}') from None
  if min(image.size) < min_size:
    raise Fault('too_small', f'{image.width}x{image.height} < data.clean.min_size={min_size}')
  target = _TARGET_MODE[channels]
  if image.mode == target:
    return np.asarray(image, np.uint8).reshape(image.height, image.width, channels), None
  if channel_policy == 'drop':
    raise Fault('wrong_channels', f'mode {image.mode}, need {target}')
  return _convert_mode(image, target), f'{image.mode}->{target}'


def _convert_mode(image: Image.Image, target: str) -> np.ndarray:
  """PIL mode conversion; high-bit-depth and float modes are rescaled to 8 bits first."""
  if image.mode in ('I', 'I;16', 'I;16B', 'I;16L', 'F'):
    values = np.asarray(image, np.float64)
    if not np.isfinite(values).all():
      raise Fault('non_finite', f'mode {image.mode} has NaN/Inf pixels')
    scale = 1.0 if image.mode == 'F' and values.max(initial=0) <= 1.0 else (255.0 if image.mode == 'F' else 65535.0)
    image = Image.fromarray(np.round(values / scale * 255).clip(0, 255).astype(np.uint8), 'L')
  pixels = np.asarray(image.convert(target), np.uint8)
  return pixels.reshape(image.height, image.width, 1 if target == 'L' else 3)


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
