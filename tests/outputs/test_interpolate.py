"""Latent interpolation: slerp stays on the sphere and hits its ends; the truncation sweep's latents; the
collapse warning of evaluation. (--mode=interpolate end to end: tests/outputs/test_sampling.py.)"""

import numpy as np
import pytest

from gan_jax.core.errors import ConfigError
from gan_jax.outputs import interpolate
from gan_jax.run import evaluation
from run_helpers import make_tiny_config


def test_slerp_stays_on_the_sphere_and_hits_its_ends():
  rng = np.random.default_rng(0)
  z0, z1 = rng.normal(size=16), rng.normal(size=16)
  z1 *= np.linalg.norm(z0) / np.linalg.norm(z1)   # the same norm: the path stays on that sphere
  t = np.linspace(0, 1, 9)
  path = interpolate.slerp(z0, z1, t)
  np.testing.assert_allclose(path[0], z0, atol=1e-12)
  np.testing.assert_allclose(path[-1], z1, atol=1e-12)
  np.testing.assert_allclose(np.linalg.norm(path, axis=1), np.linalg.norm(z0), rtol=1e-12)
  angles = np.arccos(np.clip((path[:-1] * path[1:]).sum(1) / np.linalg.norm(z0) ** 2, -1, 1))
  np.testing.assert_allclose(angles, angles[0], rtol=1e-9)   # constant angular speed
  np.testing.assert_allclose(interpolate.slerp(z0, 2 * z0, t)[4], 1.5 * z0)   # parallel: linear


def test_truncation_sweep_maps_one_draw_into_each_interval():
  rng = np.random.default_rng(1)
  z, labels = interpolate.truncation_latents(rng, 6, 4, (0.5, 1.0, 0.0), num_classes=3)
  z = z.reshape(4, 3, 6)
  assert np.abs(z[:, 0]).max() <= 0.5 + 1e-6 and np.abs(z[:, 1]).max() <= 1.0 + 1e-6
  assert np.all(np.sign(z[:, 0]) == np.sign(z[:, 2]))   # the same draw, pulled towards 0
  assert np.all(np.abs(z[:, 0]) <= np.abs(z[:, 2]) + 1e-6)
  assert labels.tolist() == [0, 0, 0, 1, 1, 1, 2, 2, 2, 0, 0, 0]


def test_bad_interpolate_config_is_one_line():
  config = make_tiny_config()
  for key, value, message in (('steps', 1, 'interpolate.steps=1 must be an integer >= 2'),
                              ('truncations', (), r'interpolate.truncations=\(\) must be a non-empty list'),
                              ('truncations', (1.0, -1.0), 'numbers >= 0')):
    config.interpolate[key] = value
    with pytest.raises(ConfigError, match=message):
      interpolate.validate_interpolate_config(config)
    config = make_tiny_config()


class _FakeData:
  """What warn_if_collapsed reads of a prepared dataset: split_arrays(split)."""

  def __init__(self, seed=0):
    rng = np.random.default_rng(seed)
    self.arrays = {'image': rng.uniform(-1, 1, (200, 8, 8, 1)).astype(np.float32), 'label': np.arange(200) % 10}

  def split_arrays(self, split):
    del split
    return self.arrays


def test_collapse_warning_names_one_image_per_class(capsys):
  constant = lambda num, seed, labels=None: np.zeros((num, 8, 8, 1), np.float32) + (
      0 if labels is None else labels[:, None, None, None] / 10)
  noisy = lambda num, seed, labels=None: np.random.default_rng(seed).uniform(-1, 1, (num, 8, 8, 1)).astype(np.float32)
  labels = np.repeat(np.arange(10), 8)
  assert evaluation.sample_spread(constant(80, 0, labels), labels) == 0.0
  np.testing.assert_allclose(evaluation.sample_spread(noisy(80, 0), labels), 2 / 3, rtol=0.05)   # E|U - U'| on [-1, 1]
  evaluation.warn_if_collapsed(constant, 10, 40, 0, _FakeData(), 'val')
  err = capsys.readouterr().err
  assert 'warning: mode collapse at step 40: the generator draws nearly one image per class' in err
  assert 'real val images 0.6' in err
  evaluation.warn_if_collapsed(noisy, 10, 40, 0, _FakeData(), 'val')
  evaluation.warn_if_collapsed(noisy, 0, 40, 0, _FakeData(), 'val')
  assert capsys.readouterr().err == ''
