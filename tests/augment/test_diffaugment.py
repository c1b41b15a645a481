"""DiffAugment ops against a numpy port of the authors' reference code (DiffAugment_pytorch.py), given the
same random draws; shapes, dtypes, the cutout square, the translation's zero fill, gradients."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from gan_jax.augment import diffaugment as da
from gan_jax.augment import make_augment


# ------------------------------------------------------------------ numpy port of the reference (NHWC)
def ref_brightness(x, u):
  return x + (u - 0.5)


def ref_saturation(x, u):
  x_mean = x.mean(axis=3, keepdims=True)
  return (x - x_mean) * (u * 2) + x_mean


def ref_contrast(x, u):
  x_mean = x.mean(axis=(1, 2, 3), keepdims=True)
  return (x - x_mean) * (u + 0.5) + x_mean


def ref_translation(x, tx, ty, ratio=0.125):
  b, h, w, _ = x.shape
  shift_x, shift_y = int(h * ratio + 0.5), int(w * ratio + 0.5)
  assert np.all(np.abs(tx) <= shift_x) and np.all(np.abs(ty) <= shift_y)
  grid_b, grid_x, grid_y = np.meshgrid(np.arange(b), np.arange(h), np.arange(w), indexing='ij')
  grid_x = np.clip(grid_x + tx[:, None, None] + 1, 0, h + 1)
  grid_y = np.clip(grid_y + ty[:, None, None] + 1, 0, w + 1)
  x_pad = np.pad(x, [(0, 0), (1, 1), (1, 1), (0, 0)])
  return x_pad[grid_b, grid_x, grid_y]


def ref_cutout(x, ox, oy, ratio=0.5):
  b, h, w, _ = x.shape
  size = int(h * ratio + 0.5), int(w * ratio + 0.5)
  grid_b, grid_x, grid_y = np.meshgrid(np.arange(b), np.arange(size[0]), np.arange(size[1]), indexing='ij')
  grid_x = np.clip(grid_x + ox[:, None, None] - size[0] // 2, 0, h - 1)
  grid_y = np.clip(grid_y + oy[:, None, None] - size[1] // 2, 0, w - 1)
  mask = np.ones((b, h, w), x.dtype)
  mask[grid_b, grid_x, grid_y] = 0
  return x * mask[..., None]


def _images(shape, seed=0):
  return np.asarray(jax.random.uniform(jax.random.PRNGKey(seed), shape, minval=-1, maxval=1))


CASES = [
    (da.brightness, lambda x, d: ref_brightness(x, np.asarray(d))),
    (da.saturation, lambda x, d: ref_saturation(x, np.asarray(d))),
    (da.contrast, lambda x, d: ref_contrast(x, np.asarray(d))),
    (da.translation, lambda x, d: ref_translation(x, *map(np.asarray, d))),
    (da.cutout, lambda x, d: ref_cutout(x, *map(np.asarray, d))),
]


@pytest.mark.parametrize('op, reference', CASES, ids=['brightness', 'saturation', 'contrast', 'translation', 'cutout'])
@pytest.mark.parametrize('shape', [(8, 16, 16, 3), (6, 15, 12, 1)])
def test_op_equals_reference_port_given_the_same_draws(op, reference, shape):
  x = _images(shape)
  for seed in range(3):
    draws = op.draw(jax.random.PRNGKey(seed), shape)
    got = np.asarray(jax.jit(op.apply)(jnp.asarray(x), draws))
    np.testing.assert_allclose(got, reference(x, draws), rtol=1e-6, atol=1e-6)
    # The key alone decides the draws (jit and eager differ only in float reassociation).
    np.testing.assert_allclose(got, np.asarray(op(jnp.asarray(x), jax.random.PRNGKey(seed))), atol=1e-6)


def test_draws_cover_the_reference_ranges():
  shape = (4000, 16, 15, 1)
  tx, ty = map(np.asarray, da.translation.draw(jax.random.PRNGKey(0), shape))
  assert (tx.min(), tx.max(), ty.min(), ty.max()) == (-2, 2, -2, 2)   # int(16/8 + .5) = int(15/8 + .5) = 2
  ox, oy = map(np.asarray, da.cutout.draw(jax.random.PRNGKey(1), shape))
  assert (ox.min(), ox.max()) == (0, 16)   # [0, H + 1 - 8 % 2)
  assert (oy.min(), oy.max()) == (0, 15)   # cutout 8 wide (int(7.5 + .5)): [0, 15 + 1 - 0)
  u = np.asarray(da.brightness.draw(jax.random.PRNGKey(2), shape))
  assert u.shape == (4000, 1, 1, 1) and 0 <= u.min() < 0.01 and 0.99 < u.max() < 1


@pytest.mark.parametrize('dtype', [jnp.float32, jnp.bfloat16])
@pytest.mark.parametrize('policy', ['color', 'translation', 'cutout', 'color,translation,cutout'])
def test_shape_and_dtype_preserved(policy, dtype):
  x = jnp.asarray(_images((4, 16, 16, 3)), dtype)
  y = jax.jit(make_augment(policy))(x, jax.random.PRNGKey(0), jnp.float32(0))
  assert y.shape == x.shape and y.dtype == x.dtype
  assert not np.array_equal(np.asarray(y, np.float32), np.asarray(x, np.float32))


def test_cutout_zeros_one_square_of_half_the_size():
  shape = (64, 16, 16, 2)
  x = jnp.ones(shape)
  ox, oy = map(np.asarray, da.cutout.draw(jax.random.PRNGKey(3), shape))
  y = np.asarray(da.cutout.apply(x, (jnp.asarray(ox), jnp.asarray(oy))))
  assert set(np.unique(y)) == {0.0, 1.0}
  inside = 0
  for b in range(shape[0]):
    zero = y[b, :, :, 0] == 0
    assert np.array_equal(zero, y[b, :, :, 1] == 0)   # the same square in every channel
    rows, cols = np.flatnonzero(zero.any(1)), np.flatnonzero(zero.any(0))
    # One solid rectangle: the 8x8 square centred at the drawn offset, clipped at the border.
    assert zero.sum() == len(rows) * len(cols) and zero[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1].all()
    assert (rows[0], rows[-1] + 1) == (max(ox[b] - 4, 0), min(ox[b] + 4, 16))
    assert (cols[0], cols[-1] + 1) == (max(oy[b] - 4, 0), min(oy[b] + 4, 16))
    if 4 <= ox[b] <= 12 and 4 <= oy[b] <= 12:
      assert zero.sum() == 8 * 8
      inside += 1
  assert inside > 10   # the unclipped case was exercised


def test_translation_fills_with_zeros():
  shape = (32, 16, 16, 1)
  x = jnp.ones(shape) * 0.5
  tx, ty = da.translation.draw(jax.random.PRNGKey(4), shape)
  y = np.asarray(da.translation.apply(x, (tx, ty)))[..., 0]
  for b, (dx, dy) in enumerate(zip(np.asarray(tx), np.asarray(ty))):
    kept = np.zeros((16, 16), bool)
    kept[max(-dx, 0):16 - max(dx, 0), max(-dy, 0):16 - max(dy, 0)] = True   # out[i] = x[i + dx]
    np.testing.assert_array_equal(y[b][kept], 0.5)
    np.testing.assert_array_equal(y[b][~kept], 0.0)
  assert np.abs(np.asarray(tx)).max() == 2


GRADIENT_CASES = {name: getattr(da, name) for name in ('brightness', 'saturation', 'contrast', 'translation',
                                                         'cutout')}
GRADIENT_CASES['ada'] = lambda v, key: make_augment('ada')(v, key, jnp.float32(1.0))


@pytest.mark.parametrize('name', sorted(GRADIENT_CASES))
def test_gradients_reach_the_input_through_every_op(name):
  x = jnp.asarray(_images((4, 16, 16, 3)))
  weights = jax.random.normal(jax.random.PRNGKey(9), x.shape)
  grad = np.asarray(jax.grad(lambda v: jnp.sum(GRADIENT_CASES[name](v, jax.random.PRNGKey(5)) * weights))(x))
  assert np.all(np.isfinite(grad)) and np.abs(grad).sum() > 0
