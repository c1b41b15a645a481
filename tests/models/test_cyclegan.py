"""CycleGAN's networks: shapes, ranges, instance norm and reflect padding as the reference's, patch sizes."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from gan_jax.core.errors import ConfigError
from gan_jax.models import cyclegan


def test_generator_keeps_the_shape_and_range():
  x = jnp.asarray(np.random.RandomState(0).uniform(-1, 1, (2, 16, 16, 3)), jnp.float32)
  g = cyclegan.ResnetGenerator(channels=3, width=2, blocks=1)
  params = g.init(jax.random.PRNGKey(0), x)
  y = g.apply(params, x)
  assert y.shape == x.shape and float(jnp.max(jnp.abs(y))) <= 1.0
  assert set(params) == {'params'}   # no running statistics: train and eval are the same function
  kernels = [v for p, v in jax.tree_util.tree_leaves_with_path(params) if 'kernel' in jax.tree_util.keystr(p)]
  assert 0.01 < float(np.std(np.concatenate([np.ravel(k) for k in kernels]))) < 0.03   # N(0, 0.02)


@pytest.mark.parametrize('downsamplings, lowest', [(0, 16), (1, 8), (2, 4), (3, 2)])
def test_generator_downsamplings_set_the_blocks_resolution_and_width(downsamplings, lowest):
  x = jax.ShapeDtypeStruct((2, 16, 16, 1), jnp.float32)
  g = cyclegan.ResnetGenerator(channels=1, width=2, blocks=1, downsamplings=downsamplings)
  params = jax.eval_shape(lambda v: g.init(jax.random.PRNGKey(0), v), x)['params']
  assert jax.eval_shape(lambda p, v: g.apply({'params': p}, v), params, x).shape == x.shape
  block = params['ResnetBlock_0']['Conv_0']['kernel']
  assert block.shape == (3, 3, 2 * 2 ** downsamplings, 2 * 2 ** downsamplings)   # width * 2^downsamplings
  # the blocks' input is the stride-2 convs' output: 16 / 2^downsamplings per side
  out = jax.eval_shape(lambda p, v: g.apply({'params': p}, v, capture_intermediates=True,
                                            mutable=['intermediates']), params, x)[1]
  assert out['intermediates']['ResnetBlock_0']['__call__'][0].shape[1] == lowest
  if downsamplings == 2:   # the default is the reference's 2, with the parameter tree it always had
    default = cyclegan.ResnetGenerator(channels=1, width=2, blocks=1)
    default_params = jax.eval_shape(lambda v: default.init(jax.random.PRNGKey(0), v), x)['params']
    shapes = lambda tree: jax.tree_util.tree_map(lambda leaf: leaf.shape, tree)
    assert shapes(default_params) == shapes(params)


def test_patch_discriminator_grid_and_receptive_field():
  for size, layers, grid, field in ((32, 2, 6, 34), (16, 1, 6, 16), (32, 3, 2, 70)):
    d = cyclegan.PatchDiscriminator(width=4, layers=layers)
    x = jax.ShapeDtypeStruct((2, size, size, 1), jnp.float32)
    out = jax.eval_shape(lambda v, d=d: d.apply(d.init(jax.random.PRNGKey(0), v), v), x)   # shapes only
    assert out.shape == (2, grid, grid) == (2, cyclegan.patch_grid(size, layers), cyclegan.patch_grid(size, layers))
    assert cyclegan.receptive_field(layers) == field


def test_instance_norm_and_reflect_pad_match_hand_values():
  x = jnp.arange(8, dtype=jnp.float32).reshape(1, 2, 4, 1)
  y = cyclegan.instance_norm(x)
  np.testing.assert_allclose(np.asarray(y).ravel(), (np.arange(8) - 3.5) / np.sqrt(np.var(np.arange(8)) + 1e-5),
                             rtol=1e-5)
  row = cyclegan.reflect_pad(jnp.arange(3.0).reshape(1, 1, 3, 1), 1)[0, 1, :, 0]
  np.testing.assert_array_equal(row, [1, 0, 1, 2, 1])   # PyTorch's ReflectionPad2d: the edge not repeated


def test_sizes_not_divisible_by_four_are_refused_in_one_line():
  class Model:
    name = 'cyclegan'
  with pytest.raises(ConfigError, match='allowed: a multiple of 4') as error:
    cyclegan.validate_config(Model, (18, 18, 1))
  assert '\n' not in str(error.value)
  with pytest.raises(ConfigError, match=r'allowed: a multiple of 8 \(its generator downsamples 3 times: '
                     r'cyclegan.g_downsamplings\)'):
    cyclegan.validate_config(Model, (20, 20, 1), downsamplings=3)
  cyclegan.validate_config(Model, (18, 18, 1), downsamplings=1)
  with pytest.raises(ConfigError, match='needs image data'):
    cyclegan.validate_config(Model, (2,))


def test_only_convs_without_an_instance_norm_after_them_have_biases():
  x = jax.ShapeDtypeStruct((1, 16, 16, 1), jnp.float32)
  g = cyclegan.ResnetGenerator(channels=1, width=2, blocks=1)
  d = cyclegan.PatchDiscriminator(width=2, layers=1)
  for module, with_bias in ((g, {'Conv_3'}), (d, {'Conv_0', 'Conv_2'})):   # G's last conv; D's first and last
    params = jax.eval_shape(lambda v, m=module: m.init(jax.random.PRNGKey(0), v), x)['params']
    assert {name for name, layer in params.items() if 'bias' in layer} == with_bias
