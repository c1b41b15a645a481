"""Maxout takes the max over each unit's pieces."""

import jax
import jax.numpy as jnp
import numpy as np

from gan_jax.models.maxout import Maxout


def test_maxout_is_max_over_pieces_of_the_dense_layer():
  layer = Maxout(units=3, pieces=4)
  x = jax.random.normal(jax.random.key(0), (5, 2))
  variables = layer.init(jax.random.key(1), x)
  dense = variables['params']['Dense_0']
  assert dense['kernel'].shape == (2, 12)
  affine = np.asarray(x @ dense['kernel'] + dense['bias']).reshape(5, 3, 4)
  np.testing.assert_allclose(layer.apply(variables, x), affine.max(-1), rtol=1e-6, atol=1e-6)


def test_maxout_bfloat16_compute_keeps_float32_params():
  layer = Maxout(units=2, pieces=3, use_bias=False, dtype=jnp.bfloat16)
  variables = layer.init(jax.random.key(0), jnp.ones((1, 4)))
  assert 'bias' not in variables['params']['Dense_0']
  assert variables['params']['Dense_0']['kernel'].dtype == jnp.float32
  assert layer.apply(variables, jnp.ones((1, 4))).dtype == jnp.bfloat16
