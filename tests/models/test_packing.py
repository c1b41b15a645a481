"""pack_samples groups consecutive samples along the last axis."""

import jax.numpy as jnp
import numpy as np
import pytest

from gan_jax.models.packing import pack_samples


def test_images_pack_consecutive_samples_along_channels():
  x = jnp.arange(4 * 2 * 2 * 3, dtype=jnp.float32).reshape(4, 2, 2, 3)
  packed = pack_samples(x, 2)
  assert packed.shape == (2, 2, 2, 6)
  np.testing.assert_array_equal(packed[1], jnp.concatenate([x[2], x[3]], axis=-1))


def test_points_pack_along_features():
  x = jnp.arange(12, dtype=jnp.float32).reshape(6, 2)
  packed = pack_samples(x, 3)
  np.testing.assert_array_equal(packed, x.reshape(2, 6))


def test_pack_one_is_identity_and_bad_batch_raises():
  x = jnp.ones((5, 2))
  assert pack_samples(x, 1) is x
  with pytest.raises(ValueError, match='model.pack=2'):
    pack_samples(x, 2)
