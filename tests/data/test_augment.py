"""Augmentations: identical eagerly and inside tf.data for the same seed; in range; label preserving."""

import ml_collections
import numpy as np
import pytest

from gan_jax.data import augment
from gan_jax.data.tf_env import tf

_PARAMS = ml_collections.ConfigDict({'max_degrees': 20.0, 'crop_padding': 3, 'brightness': 0.3,
                                     'contrast': 0.3, 'saturation': 0.3})


def _only(name, prob=0.7):
  return ml_collections.ConfigDict({op: (prob if op == name else 0.0) for op in augment.ORDER})


def _images(b=8, size=12):
  rng = np.random.default_rng(0)
  return (rng.random((b, size, size, 3), np.float32) * 2 - 1).astype(np.float32)


@pytest.mark.parametrize('name', augment.ORDER)
def test_eager_equals_tf_data(name):
  images, cfg = _images(), _only(name)
  eager = augment.augment_batch(tf.constant(images), 7, 5, 0, 8, cfg, _PARAMS).numpy()
  ds = tf.data.Dataset.from_tensors(images).map(lambda x: augment.augment_batch(x, 7, tf.constant(5, tf.int64), 0,
                                                                                8, cfg, _PARAMS))
  in_pipeline = next(iter(ds)).numpy()
  np.testing.assert_allclose(in_pipeline, eager, atol=1e-6)
  assert eager.min() >= -1 and eager.max() <= 1
  changed = np.abs(eager - images).reshape(8, -1).max(axis=1) > 1e-6
  assert 0 < changed.sum() < 8                       # probability 0.7 leaves some untouched
  other_step = augment.augment_batch(tf.constant(images), 7, 6, 0, 8, cfg, _PARAMS).numpy()
  assert not np.allclose(other_step, eager)


@pytest.mark.parametrize('name', augment.ORDER)
def test_rows_of_a_process_match_the_global_batch(name):
  images, cfg = _images(), _only(name)
  whole = augment.augment_batch(tf.constant(images), 3, 2, 0, 8, cfg, _PARAMS).numpy()
  second_half = augment.augment_batch(tf.constant(images[4:]), 3, 2, 4, 8, cfg, _PARAMS).numpy()
  np.testing.assert_allclose(second_half, whole[4:], atol=1e-6)


def test_ops_do_what_they_say():
  images = _images(4)
  flipped = augment.hflip(tf.constant(images), tf.zeros([4, 1]), 1.0, _PARAMS).numpy()
  np.testing.assert_array_equal(flipped, images[:, :, ::-1])
  shift = augment.crop(tf.constant(images), tf.constant([[0.0, 1.0 - 1e-6, 0.5]] * 4), 1.0, _PARAMS).numpy()
  np.testing.assert_array_equal(shift[:, :, :-3], images[:, :, 3:])     # dx = +3: content moves left
  same = augment.rotate(tf.constant(images), tf.constant([[0.0, 0.5]] * 4), 1.0, _PARAMS).numpy()
  np.testing.assert_allclose(same, images, atol=1e-5)                   # angle 0
