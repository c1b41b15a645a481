"""DCGAN shapes over every resolution/channel/pack/dtype, the DCGAN init, and BatchNorm modes."""

import importlib.util
import pathlib

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from gan_jax.models import build_models
from gan_jax.models.dcgan import SUPPORTED_RESOLUTIONS, spatial_plan

_spec = importlib.util.spec_from_file_location(
    'model_test_utils', pathlib.Path(__file__).with_name('model_test_utils.py'))
utils = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(utils)


def _tiny(config, **overrides):
  model = config.model
  model.latent_dim, model.g_width, model.d_width = 8, 4, 4
  model.update(overrides)
  return model


def _run_shapes(model_config, example_shape, batch=4):
  """Shapes of G/D variables and train-mode outputs, traced without computing anything."""
  generator, discriminator = build_models(model_config, example_shape)
  def run(rng):
    z = jax.random.normal(rng, (batch, model_config.latent_dim))
    g_vars = generator.init(rng, z)
    x, g_updates = generator.apply(g_vars, z, train=True, mutable=['batch_stats'])
    d_vars = discriminator.init(rng, x)
    logits, d_updates = discriminator.apply(d_vars, x, train=True, mutable=['batch_stats'])
    return g_vars, d_vars, x, logits, g_updates, d_updates
  return jax.eval_shape(run, jax.random.key(0))


@pytest.mark.parametrize('resolution', [16, 28, 32, 64])
@pytest.mark.parametrize('channels', [1, 3])
def test_shapes_for_every_resolution_and_channel_count(config, resolution, channels):
  g_vars, d_vars, x, logits, g_updates, d_updates = _run_shapes(
      _tiny(config), (resolution, resolution, channels))
  assert x.shape == (4, resolution, resolution, channels) and x.dtype == jnp.float32
  assert logits.shape == (4,) and logits.dtype == jnp.float32
  start, doublings = spatial_plan(resolution)
  assert g_vars['params']['ConvTranspose_0']['kernel'].shape == (start, start, 8, 4 * 2 ** (doublings - 1))
  assert d_vars['params']['Conv_0']['kernel'].shape == (4, 4, channels, 4)
  assert d_vars['params'][f'Conv_{doublings}']['kernel'].shape == (start, start, 4 * 2 ** (doublings - 1), 1)
  assert g_updates['batch_stats'].keys() == g_vars['batch_stats'].keys()
  assert d_updates['batch_stats'].keys() == d_vars['batch_stats'].keys()


def test_seed_architecture_widths(config):
  g_vars, d_vars, *_ = _run_shapes(config.model, (32, 32, 1), batch=2)
  g_kernels = [g_vars['params'][f'ConvTranspose_{i}']['kernel'].shape for i in range(4)]
  assert g_kernels == [(4, 4, 100, 256), (4, 4, 256, 128), (4, 4, 128, 64), (4, 4, 64, 1)]
  d_kernels = [d_vars['params'][f'Conv_{i}']['kernel'].shape for i in range(4)]
  assert d_kernels == [(4, 4, 1, 64), (4, 4, 64, 128), (4, 4, 128, 256), (4, 4, 256, 1)]
  assert set(d_vars['batch_stats']) == {'BatchNorm_0', 'BatchNorm_1'}   # none on D's first layer
  assert all('bias' not in p for k, p in g_vars['params'].items() if k.startswith('Conv'))


@pytest.mark.parametrize('pack', [2, 4])
def test_packed_discriminator_shapes(config, pack):
  _, d_vars, _, logits, _, _ = _run_shapes(_tiny(config, pack=pack), (16, 16, 3), batch=8)
  assert logits.shape == (8 // pack,)
  assert d_vars['params']['Conv_0']['kernel'].shape == (4, 4, 3 * pack, 4)


def test_dcgan_init_statistics(config):
  model = _tiny(config, g_width=32)
  generator, _ = build_models(model, (16, 16, 1))
  g_vars = jax.jit(generator.init)(jax.random.key(0), jnp.ones((1, 8)))
  kernel = g_vars['params']['ConvTranspose_1']['kernel']   # 4*4*64*32 weights
  assert abs(float(jnp.mean(kernel))) < 2e-3 and abs(float(jnp.std(kernel)) - 0.02) < 1e-3
  scale = g_vars['params']['BatchNorm_0']['scale']
  assert abs(float(jnp.mean(scale)) - 1) < 0.01 and 0.01 < float(jnp.std(scale)) < 0.03
  assert not np.any(g_vars['params']['BatchNorm_0']['bias'])


def test_generator_outputs_images_and_pack_one_equals_plain_discriminator(config):
  generator, discriminator = build_models(_tiny(config, pack=1), (16, 16, 1))
  from gan_jax.models.dcgan import DCGANDiscriminator
  z = jax.random.normal(jax.random.key(0), (6, 8))
  x = generator.apply(utils.numpy_variables(generator, z), z, train=False)
  assert x.shape == (6, 16, 16, 1) and float(jnp.max(jnp.abs(x))) <= 1 and float(jnp.std(x)) > 0
  plain = DCGANDiscriminator(16, 4)
  d_vars = utils.numpy_variables(plain, x)
  np.testing.assert_array_equal(discriminator.apply(d_vars, x), plain.apply(d_vars, x))


def test_bfloat16_computes_in_bf16_with_float32_params(config):
  model = _tiny(config, dtype='bfloat16')
  generator, discriminator = build_models(model, (16, 16, 3))
  z = jax.random.normal(jax.random.key(0), (4, 8))
  shapes = utils.variable_shapes(generator, z), utils.variable_shapes(discriminator, jnp.ones((4, 16, 16, 3)))
  assert all(leaf.dtype == jnp.float32 for leaf in jax.tree.leaves(shapes))
  g_vars = utils.numpy_variables(generator, z)
  assert 'bf16' in jax.jit(lambda v: generator.apply(v, z)).lower(g_vars).as_text()
  x = generator.apply(g_vars, z)
  logits = discriminator.apply(utils.numpy_variables(discriminator, x), x)
  assert x.dtype == jnp.float32 and logits.dtype == jnp.float32
  reference = build_models(_tiny(config), (16, 16, 3))[0].apply(g_vars, z)
  np.testing.assert_allclose(x, reference, atol=0.05)


def test_train_mode_updates_running_stats_and_eval_mode_uses_them(config):
  generator, _ = build_models(_tiny(config), (16, 16, 1))
  z = jax.random.normal(jax.random.key(0), (4, 8))
  g_vars = utils.numpy_variables(generator, z)
  _, updates = generator.apply(g_vars, z, train=True, mutable=['batch_stats'])
  before = g_vars['batch_stats']['BatchNorm_0']['mean']
  assert not np.allclose(before, updates['batch_stats']['BatchNorm_0']['mean'])
  old = generator.apply(g_vars, z, train=False)
  new = generator.apply({**g_vars, **updates}, z, train=False)
  assert not np.allclose(old, new)


def test_supported_resolutions_cover_the_brief():
  assert {16, 28, 32, 64} <= set(SUPPORTED_RESOLUTIONS)
  assert spatial_plan(28) == (7, 2) and spatial_plan(64) == (4, 4)
  with pytest.raises(ValueError, match='resolution 24'):
    spatial_plan(24)
