"""MLP G/D: PacGAN's 2D setup, packing, BatchNorm switches, bf16."""

import importlib.util
import pathlib

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from gan_jax.models import build_models
from gan_jax.models.mlp import MLPDiscriminator

_spec = importlib.util.spec_from_file_location(
    'model_test_utils', pathlib.Path(__file__).with_name('model_test_utils.py'))
utils = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(utils)


def _pacgan_2d(config, **overrides):
  """PacGAN's 2D models: G 4x400 ReLU + BN; D 3 maxout layers of 200 units with 5 pieces."""
  model = config.model
  model.update(name='mlp', latent_dim=2, g_depth=4, g_hidden=400, g_batch_norm=True, d_depth=3,
               d_hidden=200, d_batch_norm=False, d_maxout_pieces=5, activation='relu')
  model.update(overrides)
  return model


@pytest.mark.parametrize('pack', [1, 2, 4])
def test_pacgan_2d_architecture_shapes(config, pack):
  generator, discriminator = build_models(_pacgan_2d(config, pack=pack), (2,))
  z = jnp.ones((8, 2))
  g_vars = utils.variable_shapes(generator, z)
  assert [g_vars['params'][f'Dense_{i}']['kernel'].shape for i in range(5)] == [
      (2, 400), (400, 400), (400, 400), (400, 400), (400, 2)]
  assert 'bias' not in g_vars['params']['Dense_0']          # no bias before BatchNorm
  assert len(g_vars['batch_stats']) == 4
  d_vars = utils.variable_shapes(discriminator, jnp.ones((8, 2)))
  assert [d_vars['params'][f'Maxout_{i}']['Dense_0']['kernel'].shape for i in range(3)] == [
      (2 * pack, 1000), (200, 1000), (200, 1000)]
  assert d_vars['params']['Dense_0']['kernel'].shape == (200, 1)
  assert 'batch_stats' not in d_vars
  x, _ = generator.apply(utils.numpy_variables(generator, z), z, train=True, mutable=['batch_stats'])
  logits, updates = discriminator.apply(utils.numpy_variables(discriminator, x), x, train=True,
                                        mutable=['batch_stats'])
  assert x.shape == (8, 2) and x.dtype == jnp.float32
  assert logits.shape == (8 // pack,) and logits.dtype == jnp.float32
  assert not updates.get('batch_stats')     # no BatchNorm: the mutable collection is empty


def test_pack_one_equals_plain_discriminator(config):
  x = jax.random.normal(jax.random.key(0), (6, 2))
  _, packed = build_models(_pacgan_2d(config, pack=1), (2,))
  plain = MLPDiscriminator(depth=3, hidden=200, batch_norm=False, maxout_pieces=5)
  variables = utils.numpy_variables(plain, x)
  np.testing.assert_array_equal(packed.apply(variables, x), plain.apply(variables, x))


def test_packed_logit_sees_its_own_group_only(config):
  _, discriminator = build_models(_pacgan_2d(config, pack=2), (2,))
  x = jax.random.normal(jax.random.key(0), (6, 2))
  variables = utils.numpy_variables(discriminator, x)
  base = discriminator.apply(variables, x)
  moved = discriminator.apply(variables, x.at[3].add(1.0))   # sample 3 is in group 1
  assert base[0] == moved[0] and base[2] == moved[2] and base[1] != moved[1]


def test_dense_discriminator_with_batch_norm_and_activation(config):
  model = _pacgan_2d(config, d_maxout_pieces=0, d_batch_norm=True, activation='leaky_relu')
  _, discriminator = build_models(model, (2,))
  x = jax.random.normal(jax.random.key(0), (4, 2))
  variables = utils.numpy_variables(discriminator, x)
  assert set(variables['params']) == {'Dense_0', 'Dense_1', 'Dense_2', 'Dense_3', 'BatchNorm_0',
                                       'BatchNorm_1', 'BatchNorm_2'}
  logits, updates = discriminator.apply(variables, x, train=True, mutable=['batch_stats'])
  assert logits.shape == (4,) and len(updates['batch_stats']) == 3


def test_images_and_bfloat16(config):
  model = _pacgan_2d(config, g_depth=1, g_hidden=8, d_depth=1, d_hidden=8, dtype='bfloat16', pack=2)
  generator, discriminator = build_models(model, (4, 4, 3))
  z = jax.random.normal(jax.random.key(0), (4, 2))
  x = generator.apply(utils.numpy_variables(generator, z), z)
  assert x.shape == (4, 4, 4, 3) and x.dtype == jnp.float32 and float(jnp.max(jnp.abs(x))) <= 1
  logits = discriminator.apply(utils.numpy_variables(discriminator, x), x)
  assert logits.shape == (2,) and logits.dtype == jnp.float32
