"""ProGAN's networks (gan_jax.models.progan): equalised learning rate with He's constant per layer, pixel-norm
and minibatch stddev against numpy, resampling, and the networks' shapes per resolution."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from gan_jax.core.errors import ConfigError
from gan_jax.models import progan

WIDTHS = dict(fmap_base=32, fmap_decay=1.0, fmap_max=8)


def _networks(final=16, channels=1, group=4):
  return (progan.ProGenerator(final_resolution=final, channels=channels, **WIDTHS),
          progan.ProDiscriminator(final_resolution=final, mbstd_group_size=group, **WIDTHS))


def _expected_gain(path: str) -> float:
  """The reference's gains: 1 for to_rgb and D's last layer, sqrt(2)/4 for G's first (dense) layer."""
  if path.startswith('to_rgb_') or path.startswith('block_4_dense1'):
    return 1.0
  if path == 'block_4/dense':
    return math.sqrt(2) / 4
  return math.sqrt(2)


def _layers(params, prefix=''):
  """{path: kernel} of every equalised layer in a parameter tree."""
  found = {}
  for name, value in params.items():
    if name == 'kernel':
      found[prefix.rstrip('/')] = value
    elif isinstance(value, dict):
      found.update(_layers(value, f'{prefix}{name}/'))
  return found


def test_equalised_lr_scale_is_he_constant_of_every_layer():
  generator, discriminator = _networks(final=8)
  z, x = jnp.zeros((1, 8)), jnp.zeros((4, 8, 8, 1))

  @jax.jit
  def layers_and_scales(key):
    """The parameters as the trainer draws them, and the scale every layer applies (sown at run time)."""
    g = progan.init_params(generator, key, z, every_layer=True)
    d = progan.init_params(discriminator, key, x, every_layer=True)
    g_scales = generator.apply({'params': g}, z, every_layer=True, mutable=['intermediates'])[1]
    d_scales = discriminator.apply({'params': d}, x, every_layer=True, mutable=['intermediates'])[1]
    return (g, g_scales['intermediates']), (d, d_scales['intermediates'])

  checked = 0
  for (params, sown), count in zip(layers_and_scales(jax.random.key(0)), (2 + 2 + 2, 3 + 2 + 2)):
    kernels = _layers(params)   # G: blocks 4 and 8 (2 layers each), to_rgb 4 and 8; D: 3 + 2, from_rgb 4 and 8
    scales = {path.replace('/he_scale', ''): value[0] for path, value in _flat(sown).items()}
    assert set(kernels) == set(scales) and len(kernels) == count, sorted(kernels)
    for path, kernel in kernels.items():
      fan_in = int(np.prod(kernel.shape[:-1]))
      assert float(scales[path]) == pytest.approx(_expected_gain(path) / math.sqrt(fan_in), rel=1e-6), path
      checked += 1
    # Stored weights are N(0, 1) (the scale is applied at run time) and biases start at 0.
    every = np.concatenate([np.ravel(k) for k in kernels.values()])
    assert abs(every.std() - 1.0) < 0.05 and abs(every.mean()) < 0.05
    biases = [v for p, v in _flat(params).items() if p.endswith('bias')]
    assert all(not np.any(np.asarray(b)) for b in biases)
  assert checked == 13


def _flat(tree, prefix=''):
  out = {}
  for name, value in tree.items():
    if isinstance(value, dict):
      out.update(_flat(value, f'{prefix}{name}/'))
    else:
      out[f'{prefix}{name}'] = value
  return out


def test_equalised_layers_compute_with_the_scaled_weight():
  x = np.random.RandomState(0).randn(2, 5, 5, 3).astype(np.float32)
  conv = progan.EqualizedConv(4, 3)
  params = {'kernel': np.random.RandomState(1).randn(3, 3, 3, 4).astype(np.float32),
            'bias': np.arange(4, dtype=np.float32)}
  w = np.asarray(params['kernel']) * math.sqrt(2) / math.sqrt(27)
  padded = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
  expected = np.zeros((2, 5, 5, 4), np.float32) + params['bias']
  for i in range(5):
    for j in range(5):
      expected[:, i, j] += np.einsum('nhwc,hwco->no', padded[:, i:i + 3, j:j + 3], w)
  np.testing.assert_allclose(conv.apply({'params': params}, x), expected, rtol=1e-5, atol=1e-5)

  dense = progan.EqualizedDense(3, gain=1.0)
  d_params = {'kernel': np.random.RandomState(2).randn(75, 3).astype(np.float32), 'bias': np.zeros(3, np.float32)}
  expected = x.reshape(2, -1) @ (d_params['kernel'] / math.sqrt(75))
  np.testing.assert_allclose(dense.apply({'params': d_params}, x), expected, rtol=1e-5, atol=1e-5)


def test_pixel_norm_equals_numpy():
  x = np.random.RandomState(0).randn(3, 4, 4, 6).astype(np.float32)
  expected = x / np.sqrt(np.mean(x ** 2, axis=-1, keepdims=True) + 1e-8)
  np.testing.assert_allclose(progan.pixel_norm(x), expected, rtol=1e-5)


def _numpy_stddev(x, group_size):
  n = x.shape[0]
  size = min(group_size, n)
  groups = n // size
  feature = np.zeros(n, np.float64)
  for m in range(groups):   # the reference's grouping: example i belongs to group i mod (n / size)
    members = x[m::groups].astype(np.float64)
    feature[m::groups] = np.sqrt(members.var(axis=0) + 1e-8).mean()
  extra = np.broadcast_to(feature[:, None, None, None], (*x.shape[:3], 1))
  return np.concatenate([x, extra], axis=-1)


@pytest.mark.parametrize('n, group', [(8, 4), (4, 4), (2, 4), (6, 2)])
def test_minibatch_stddev_equals_numpy(n, group):
  x = np.random.RandomState(n).randn(n, 3, 3, 5).astype(np.float32)
  np.testing.assert_allclose(progan.minibatch_stddev(x, group), _numpy_stddev(x, group), rtol=1e-5, atol=1e-6)


def test_resampling_is_nearest_up_and_box_down():
  x = np.random.RandomState(0).randn(2, 4, 4, 3).astype(np.float32)
  np.testing.assert_array_equal(progan.upsample(x)[:, 1::2, ::2], x)
  np.testing.assert_allclose(progan.downsample(x), x.reshape(2, 2, 2, 2, 2, 3).mean(axis=(2, 4)), rtol=1e-6)
  np.testing.assert_allclose(progan.downsample(progan.upsample(x, 4), 4), x, rtol=1e-6)


def test_networks_run_at_every_resolution_with_their_phase_layers():
  generator, discriminator = _networks()
  for r, fading in ((4, False), (8, True), (8, False), (16, True)):
    g_names, d_names = progan.layer_names(r, fading)

    def run(key):
      g_all = generator.init(key, jnp.zeros((1, 8)), every_layer=True)['params']
      d_all = discriminator.init(key, jnp.zeros((1, 16, 16, 1)), every_layer=True)['params']
      images = generator.apply({'params': {k: g_all[k] for k in g_names}}, jnp.ones((4, 8)), 0.3, resolution=r,
                               fading=fading)
      return images, discriminator.apply({'params': {k: d_all[k] for k in d_names}}, images, 0.3, resolution=r,
                                         fading=fading)
    images, logits = jax.eval_shape(run, jax.random.key(0))   # a missing layer would raise here
    assert images.shape == (4, r, r, 1) and logits.shape == (4,)
  assert progan.feature_maps(1, 8192, 1.0, 512) == 512 and progan.feature_maps(5, 8192, 1.0, 512) == 256


@pytest.mark.parametrize('shape, message', [
    ((12, 12, 1), 'data.image_size=12 is not supported by model.name=progan'),
    ((2,), 'model.name=progan needs image data'),
])
def test_validate_config_one_line(shape, message):
  class Model:
    name = 'progan'
  with pytest.raises(ConfigError, match=message):
    progan.validate_config(Model(), shape)
