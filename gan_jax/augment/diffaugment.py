"""DiffAugment (Zhao et al. 2020), the ops exactly as the authors' reference code defines them.

Reference: mit-han-lab/data-efficient-gans, DiffAugment_pytorch.py (NCHW there, NHWC here; its axis 2 is
our H, its axis 3 our W). Every op is differentiable in x, draws one set of parameters per image and
keeps x's shape and dtype. Images are expected in [-1, 1] (the brightness range assumes it).

  brightness   x + (u - 0.5),                      u ~ U[0, 1)        per image
  saturation   (x - mean_c(x)) * 2u + mean_c(x),   mean over channels (identity for 1 channel)
  contrast     (x - mean(x)) * (u + 0.5) + mean(x), mean over H, W, C of the image
  translation  shift by integers (tx, ty), each in [-round(H/8), round(H/8)], zero fill:
               out[i, j] = x[i + tx, j + ty] where that is inside the image, else 0
  cutout       zero one square of round(H/2) x round(W/2) pixels centred at an offset drawn in
               [0, H + 1 - s % 2); the square is clipped at the image border (as in the reference)

Policies: 'color' = brightness, saturation, contrast; 'translation'; 'cutout'.
Each op is a `DiffOp(draw, apply)`: `draw(key, shape) -> params` (float32/int32 arrays with a leading
batch axis) and `apply(x, params) -> x`, so tests can feed the same draws to a numpy port.
"""

from typing import Callable, NamedTuple, Sequence

import jax
import jax.numpy as jnp

TRANSLATION_RATIO = 0.125
CUTOUT_RATIO = 0.5


class DiffOp(NamedTuple):
  draw: Callable    # (key, shape [B, H, W, C]) -> params
  apply: Callable   # (x [B, H, W, C], params) -> x

  def __call__(self, x: jax.Array, key: jax.Array) -> jax.Array:
    return self.apply(x, self.draw(key, x.shape))


def _per_image_uniform(key, shape):
  return jax.random.uniform(key, (shape[0], 1, 1, 1), jnp.float32)


def _round_half_up(size: int, ratio: float) -> int:
  return int(size * ratio + 0.5)   # the reference's int(x.size(2) * ratio + 0.5)


def _brightness(x, u):
  return x + (u - 0.5).astype(x.dtype)


def _saturation(x, u):
  mean = jnp.mean(x, axis=3, keepdims=True)
  return (x - mean) * (u * 2).astype(x.dtype) + mean


def _contrast(x, u):
  mean = jnp.mean(x, axis=(1, 2, 3), keepdims=True)
  return (x - mean) * (u + 0.5).astype(x.dtype) + mean


def translation_shift(shape: Sequence[int]):
  """(max |tx|, max |ty|) for images of `shape` [B, H, W, C]."""
  return _round_half_up(shape[1], TRANSLATION_RATIO), _round_half_up(shape[2], TRANSLATION_RATIO)


def _draw_translation(key, shape):
  sx, sy = translation_shift(shape)
  kx, ky = jax.random.split(key)
  return (jax.random.randint(kx, (shape[0],), -sx, sx + 1, jnp.int32),
          jax.random.randint(ky, (shape[0],), -sy, sy + 1, jnp.int32))


def _translation(x, shifts):
  tx, ty = shifts
  _, h, w, _ = x.shape
  padded = jnp.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))   # a zero border; out-of-range reads land on it
  rows = jnp.clip(jnp.arange(h)[None, :] + tx[:, None] + 1, 0, h + 1)   # [B, H]
  cols = jnp.clip(jnp.arange(w)[None, :] + ty[:, None] + 1, 0, w + 1)   # [B, W]
  # Two per-image gathers (rows, then columns): the batch axis stays a batch axis of each gather, so a
  # batch sharded over devices is gathered where it lives.
  out = jnp.take_along_axis(padded, rows[:, :, None, None], axis=1)
  return jnp.take_along_axis(out, cols[:, None, :, None], axis=2)


def cutout_size(shape: Sequence[int]):
  """(rows, cols) of the cutout square for images of `shape` [B, H, W, C]."""
  return _round_half_up(shape[1], CUTOUT_RATIO), _round_half_up(shape[2], CUTOUT_RATIO)


def _draw_cutout(key, shape):
  ch, cw = cutout_size(shape)
  kx, ky = jax.random.split(key)
  return (jax.random.randint(kx, (shape[0],), 0, shape[1] + (1 - ch % 2), jnp.int32),
          jax.random.randint(ky, (shape[0],), 0, shape[2] + (1 - cw % 2), jnp.int32))


def _cutout(x, offsets):
  ox, oy = offsets
  ch, cw = cutout_size(x.shape)
  rows = jnp.arange(x.shape[1])[None, :] - (ox[:, None] - ch // 2)   # [B, H], in [0, ch) inside the square
  cols = jnp.arange(x.shape[2])[None, :] - (oy[:, None] - cw // 2)
  inside = ((rows >= 0) & (rows < ch))[:, :, None] & ((cols >= 0) & (cols < cw))[:, None, :]
  return x * jnp.where(inside, 0, 1).astype(x.dtype)[..., None]


brightness = DiffOp(_per_image_uniform, _brightness)
saturation = DiffOp(_per_image_uniform, _saturation)
contrast = DiffOp(_per_image_uniform, _contrast)
translation = DiffOp(_draw_translation, _translation)
cutout = DiffOp(_draw_cutout, _cutout)

# Policy name -> its ops, in the reference's order.
DIFF_AUGMENT_OPS = {
    'color': (brightness, saturation, contrast),
    'translation': (translation,),
    'cutout': (cutout,),
}


def diff_augment(x: jax.Array, key: jax.Array, names: Sequence[str]) -> jax.Array:
  """Applies the DiffAugment policies `names` (e.g. ('color', 'translation', 'cutout')) in order."""
  ops = [op for name in names for op in DIFF_AUGMENT_OPS[name]]
  for op, op_key in zip(ops, jax.random.split(key, max(len(ops), 1))):
    x = op(x, op_key)
  return x
