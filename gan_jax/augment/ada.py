"""ADA's augmentation pipeline (Karras et al. 2020, StyleGAN2-ADA's 'bgc' preset), each op with probability p.

Reference: NVlabs/stylegan2-ada-pytorch, training/augment.py. The parameters of each op, their
distributions and the order in which the ops compose are the reference's:

  pixel blitting  xflip (x -> -x, p), rotate90 (k * 90 deg, k uniform in 0..3, p),
                  xint (integer translation, U(-0.125, 0.125) of the size, rounded, p)
  geometric       scale (isotropic 2^N(0, 0.2), p), rotate (U(-180, 180) deg, before AND after the
                  anisotropic scaling, each with 1 - sqrt(1 - p) so that P(any rotation) = p),
                  aniso (2^N(0, 0.2) on x and its inverse on y, p), xfrac (N(0, 0.125) of the size, p)
  colour          brightness (+N(0, 0.2), p), contrast (x 2^N(0, 0.5), p), lumaflip (Householder
                  reflection of the luma axis, p), hue (rotation about the luma axis by U(-180, 180)
                  deg, p; RGB only), saturation (2^N(0, 1) off the luma axis, p; RGB only)

All geometric ops compose into ONE inverse affine matrix per image (output pixel -> input position,
in pixels about the image centre), executed as ONE bilinear resampling at the output resolution with
reflection at the borders (mirror about the edge pixels, as torch's 'reflect' padding). How this differs
from the paper: StyleGAN2-ADA pads with reflection, upsamples 2x with a symmetric 6-tap wavelet (sym6)
low-pass filter, resamples bilinearly at the doubled resolution and filters down again, which suppresses
the aliasing of rotations and down-scaling; we resample once at the output resolution, without that
filter, so rotated/scaled images carry some bilinear aliasing that D could in principle learn to
detect. Pixel-blitting ops (flip, 90 deg rotations, integer translation) are exact either way.
Colour ops compose into one 4x4 matrix (grey images use the mean of its RGB rows, as the reference).

Images that no op changed are returned bit for bit (so p = 0 is exactly the identity).
"""

import functools
import math
from typing import Sequence

import jax
import jax.numpy as jnp

ADA_OPS = ('xflip', 'rotate90', 'xint', 'scale', 'rotate', 'aniso', 'xfrac',
           'brightness', 'contrast', 'lumaflip', 'hue', 'saturation')
XINT_MAX, SCALE_STD, ROTATE_MAX, ANISO_STD, XFRAC_STD = 0.125, 0.2, 1.0, 0.2, 0.125
BRIGHTNESS_STD, CONTRAST_STD, HUE_MAX, SATURATION_STD = 0.2, 0.5, 1.0, 1.0
# Full float32 products: accelerators' default matmul precision would round the matrices to bfloat16.
_HIGHEST = jax.lax.Precision.HIGHEST
_mm = functools.partial(jnp.matmul, precision=_HIGHEST)


# ------------------------------------------------------------------ matrices, [B, 3, 3] / [B, 4, 4]
def _matrix(rows) -> jax.Array:
  """rows: nested lists of scalars or [B] arrays -> [B, n, n]."""
  batch = next(jnp.shape(e)[0] for row in rows for e in row if jnp.ndim(e))
  return jnp.stack([jnp.stack([jnp.broadcast_to(jnp.asarray(e, jnp.float32), (batch,)) for e in row], -1)
                    for row in rows], -2)


def translate2d(tx, ty):
  return _matrix([[1, 0, tx], [0, 1, ty], [0, 0, 1]])


def scale2d(sx, sy):
  return _matrix([[sx, 0, 0], [0, sy, 0], [0, 0, 1]])


def rotate2d_cs(c, s):
  return _matrix([[c, -s, 0], [s, c, 0], [0, 0, 1]])


def rotate2d(theta):
  return rotate2d_cs(jnp.cos(theta), jnp.sin(theta))


def translate3d(tx, ty, tz):
  return _matrix([[1, 0, 0, tx], [0, 1, 0, ty], [0, 0, 1, tz], [0, 0, 0, 1]])


def scale3d(sx, sy, sz):
  return _matrix([[sx, 0, 0, 0], [0, sy, 0, 0], [0, 0, sz, 0], [0, 0, 0, 1]])


def rotate3d(v, theta):
  """Rotation by theta [B] about the unit axis v (3,), homogeneous 4x4 (Rodrigues)."""
  vx, vy, vz = (float(e) for e in v[:3])
  s, c = jnp.sin(theta), jnp.cos(theta)
  cc = 1 - c
  return _matrix([[vx * vx * cc + c, vx * vy * cc - vz * s, vx * vz * cc + vy * s, 0],
                  [vy * vx * cc + vz * s, vy * vy * cc + c, vy * vz * cc - vx * s, 0],
                  [vz * vx * cc - vy * s, vz * vy * cc + vx * s, vz * vz * cc + c, 0],
                  [0, 0, 0, 1]])


class _Draws:
  """All of a pipeline's random numbers in two draws ([B, 24] uniform, [B, 8] normal), handed out in
  columns: one threefry call per kind instead of one per parameter (XLA compiles each separately)."""

  def __init__(self, key: jax.Array, batch: int):
    ku, kn = jax.random.split(key)
    self._u, self._n = jax.random.uniform(ku, (batch, 24)), jax.random.normal(kn, (batch, 8))
    self._iu = self._in = 0

  def uniform(self, width: int = 0) -> jax.Array:
    """[B] (width 0) or [B, width] of U[0, 1)."""
    self._iu += max(width, 1)
    return self._u[:, self._iu - 1] if width == 0 else self._u[:, self._iu - width:self._iu]

  def normal(self, width: int = 0) -> jax.Array:
    self._in += max(width, 1)
    return self._n[:, self._in - 1] if width == 0 else self._n[:, self._in - width:self._in]

  def where(self, p, value, identity):
    """value where U[0,1) < p, else identity (one draw per image, broadcast over value's tail)."""
    apply = self.uniform() < p
    return jnp.where(apply.reshape((-1,) + (1,) * (jnp.ndim(value) - 1)), value, identity)


# ------------------------------------------------------------------ parameters
def geometric_matrix(key: jax.Array, batch: int, height: int, width: int, p, ops: Sequence[str] = ADA_OPS):
  """G_inv [B, 3, 3]: output pixel (x about the centre, y about the centre, 1) -> input position."""
  d = _Draws(key, batch)
  g = jnp.broadcast_to(jnp.eye(3, dtype=jnp.float32), (batch, 3, 3))
  if 'xflip' in ops:
    i = d.where(p, jnp.floor(d.uniform() * 2), 0.0)
    g = _mm(g, scale2d(1 - 2 * i, 1.0))   # scale2d_inv(1 - 2i, 1): its own inverse
  if 'rotate90' in ops:
    i = d.where(p, jnp.floor(d.uniform() * 4).astype(jnp.int32), 0)
    # rotate2d_inv(-pi/2 * i) = rotate2d(pi/2 * i), with exact cosines and sines of multiples of 90 deg.
    g = _mm(g, rotate2d_cs(jnp.array([1., 0., -1., 0.])[i], jnp.array([0., 1., 0., -1.])[i]))
  if 'xint' in ops:
    t = d.where(p, (d.uniform(2) * 2 - 1) * XINT_MAX, 0.0)
    g = _mm(g, translate2d(-jnp.round(t[:, 0] * width), -jnp.round(t[:, 1] * height)))
  if 'scale' in ops:
    s = d.where(p, jnp.exp2(d.normal() * SCALE_STD), 1.0)
    g = _mm(g, scale2d(1 / s, 1 / s))
  p_rot = 1 - jnp.sqrt(jnp.clip(1 - p, 0, 1))   # P(pre OR post rotation) = p
  if 'rotate' in ops:
    theta = d.where(p_rot, (d.uniform() * 2 - 1) * math.pi * ROTATE_MAX, 0.0)
    g = _mm(g, rotate2d(theta))   # rotate2d_inv(-theta), before the anisotropic scaling
  if 'aniso' in ops:
    s = d.where(p, jnp.exp2(d.normal() * ANISO_STD), 1.0)
    g = _mm(g, scale2d(1 / s, s))
  if 'rotate' in ops:
    theta = d.where(p_rot, (d.uniform() * 2 - 1) * math.pi * ROTATE_MAX, 0.0)
    g = _mm(g, rotate2d(theta))   # after the anisotropic scaling
  if 'xfrac' in ops:
    t = d.where(p, d.normal(2) * XFRAC_STD, 0.0)
    g = _mm(g, translate2d(-t[:, 0] * width, -t[:, 1] * height))
  return g


_LUMA = (1 / math.sqrt(3),) * 3 + (0.0,)


def color_matrix(key: jax.Array, batch: int, channels: int, p, ops: Sequence[str] = ADA_OPS):
  """C [B, 4, 4] acting on homogeneous RGB (each new op multiplies from the left)."""
  d = _Draws(key, batch)
  c = jnp.broadcast_to(jnp.eye(4, dtype=jnp.float32), (batch, 4, 4))
  v = jnp.asarray(_LUMA, jnp.float32)
  vv = jnp.outer(v, v)
  if 'brightness' in ops:
    b = d.where(p, d.normal() * BRIGHTNESS_STD, 0.0)
    c = _mm(translate3d(b, b, b), c)
  if 'contrast' in ops:
    s = d.where(p, jnp.exp2(d.normal() * CONTRAST_STD), 1.0)
    c = _mm(scale3d(s, s, s), c)
  if 'lumaflip' in ops:
    i = d.where(p, jnp.floor(d.uniform() * 2)[:, None, None], 0.0)
    c = _mm(jnp.eye(4) - 2 * vv * i, c)   # Householder reflection
  if 'hue' in ops and channels > 1:
    theta = d.where(p, (d.uniform() * 2 - 1) * math.pi * HUE_MAX, 0.0)
    c = _mm(rotate3d(_LUMA, theta), c)
  if 'saturation' in ops and channels > 1:
    s = d.where(p, jnp.exp2(d.normal() * SATURATION_STD)[:, None, None], 1.0)
    c = _mm(jnp.eye(4) + (jnp.eye(4) - vv) * (s - 1), c)   # = vv + (I - vv) s, exactly I at s = 1
  return c


# ------------------------------------------------------------------ execution
def _reflect(u, size: int):
  """Continuous pixel coordinate -> [0, size - 1], mirrored about the edge pixel centres."""
  period = 2 * (size - 1)
  u = jnp.mod(u, period)
  return jnp.where(u > size - 1, period - u, u)


def resample(x: jax.Array, g_inv: jax.Array) -> jax.Array:
  """Bilinear resampling of x [B, H, W, C] at G_inv @ (output pixel about the centre), reflecting at borders."""
  b, h, w, c = x.shape
  cx, cy = (w - 1) / 2, (h - 1) / 2
  yy, xx = jnp.meshgrid(jnp.arange(h, dtype=jnp.float32) - cy, jnp.arange(w, dtype=jnp.float32) - cx,
                        indexing='ij')
  out = jnp.stack([xx.ravel(), yy.ravel(), jnp.ones(h * w, jnp.float32)])   # [3, H*W]
  src = jnp.einsum('bij,jn->bin', g_inv, out, precision=jax.lax.Precision.HIGHEST)
  u, v = _reflect(src[:, 0] + cx, w), _reflect(src[:, 1] + cy, h)           # [B, H*W]
  u0, v0 = jnp.floor(u), jnp.floor(v)
  fu, fv = (u - u0)[..., None].astype(x.dtype), (v - v0)[..., None].astype(x.dtype)
  u0, v0 = u0.astype(jnp.int32), v0.astype(jnp.int32)
  u1, v1 = jnp.minimum(u0 + 1, w - 1), jnp.minimum(v0 + 1, h - 1)
  flat = x.reshape(b, h * w, c)
  at = lambda vi, ui: jnp.take_along_axis(flat, (vi * w + ui)[..., None], axis=1)
  top = at(v0, u0) * (1 - fu) + at(v0, u1) * fu
  bottom = at(v1, u0) * (1 - fu) + at(v1, u1) * fu
  return (top * (1 - fv) + bottom * fv).reshape(b, h, w, c)


def apply_color(x: jax.Array, c: jax.Array) -> jax.Array:
  """x [B, H, W, C] (C = 1 or 3) transformed by the homogeneous colour matrices c [B, 4, 4]."""
  c = c.astype(x.dtype)
  if x.shape[-1] == 3:
    return jnp.einsum('bhwj,bij->bhwi', x, c[:, :3, :3], precision=_HIGHEST) + c[:, None, None, :3, 3]
  rows = jnp.mean(c[:, :3, :], axis=1)   # grey: the mean of the RGB rows
  return x * jnp.sum(rows[:, :3], axis=1)[:, None, None, None] + rows[:, 3][:, None, None, None]


def _changed(m: jax.Array) -> jax.Array:
  eye = jnp.eye(m.shape[-1], dtype=m.dtype)
  return jnp.any(m != eye, axis=(1, 2))[:, None, None, None]


def ada_augment(x: jax.Array, key: jax.Array, p, ops: Sequence[str] = ADA_OPS) -> jax.Array:
  """ADA's pipeline on x [B, H, W, C] in [-1, 1] with probability p (float scalar, may be traced).

  Shape and dtype preserved; differentiable in x; deterministic given key.
  """
  unknown = set(ops) - set(ADA_OPS)
  if unknown:
    raise ValueError(f'unknown ADA ops {sorted(unknown)}; allowed: {", ".join(ADA_OPS)}')
  b, h, w, ch = x.shape
  p = jnp.asarray(p, jnp.float32)
  geo_key, color_key = jax.random.split(key)
  g_inv = geometric_matrix(geo_key, b, h, w, p, ops)
  x = jnp.where(_changed(g_inv), resample(x, g_inv), x)
  c = color_matrix(color_key, b, ch, p, ops)
  return jnp.where(_changed(c), apply_color(x, c), x)
