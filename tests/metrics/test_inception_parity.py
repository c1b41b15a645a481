"""The Flax FID InceptionV3 matches an independent PyTorch implementation on the same random weights."""

import numpy as np
import pytest

torch = pytest.importorskip('torch', reason='torch is needed for the PyTorch parity test')

import os
import sys

import jax
import jax.numpy as jnp

from gan_jax.metrics import convert_inception
from gan_jax.metrics.inception import FIDInceptionV3, load_inception_variables, resize_for_inception
sys.path.insert(0, os.path.dirname(__file__))
from torch_fid_inception import TorchFIDInceptionV3, randomize_  # noqa: E402


@pytest.fixture(scope='module')
def models(tmp_path_factory):
  torch_model = randomize_(TorchFIDInceptionV3(resize=True), seed=0)
  path = tmp_path_factory.mktemp('inception') / 'weights.npz'
  np.savez(path, **convert_inception.state_dict_to_arrays(torch_model.state_dict()))
  return torch_model, load_inception_variables(str(path))


def _torch_outputs(torch_model, images_nhwc, resize):
  torch_model.resize = resize
  with torch.no_grad():
    pool3, logits = torch_model(torch.from_numpy(images_nhwc).permute(0, 3, 1, 2))
  bias = torch_model.fc.bias.detach().numpy()
  return pool3.numpy(), logits.numpy(), logits.numpy() - bias


def _assert_close(flax_value, torch_value):
  flax_value, torch_value = np.asarray(flax_value), np.asarray(torch_value)
  scale = np.abs(torch_value).max()
  np.testing.assert_allclose(flax_value, torch_value, rtol=0, atol=1e-4 * scale)


def test_features_and_logits_match_without_resize(models):
  """The network alone on a small input (96 px keeps it fast; the graph needs >= 75 px)."""
  torch_model, variables = models
  images = np.random.RandomState(0).uniform(-1, 1, (2, 96, 96, 3)).astype(np.float32)
  out = jax.jit(FIDInceptionV3(resize=False).apply)(variables, jnp.asarray(images))
  for flax_value, torch_value in zip((out['pool3'], out['logits'], out['logits_unbiased']),
                                     _torch_outputs(torch_model, images, resize=False)):
    _assert_close(flax_value, torch_value)


def test_full_pipeline_with_resize_to_299_and_grayscale(models):
  torch_model, variables = models
  images = np.random.RandomState(1).uniform(-1, 1, (1, 32, 32, 1)).astype(np.float32)
  out = jax.jit(FIDInceptionV3().apply)(variables, jnp.asarray(images))
  torch_pool3, torch_logits, _ = _torch_outputs(torch_model, images, resize=True)
  _assert_close(out['pool3'], torch_pool3)
  _assert_close(out['logits'], torch_logits)


@pytest.mark.parametrize('size', [32, 64, 512])
def test_resize_matches_torch_interpolate(size):
  """Up- and downsampling (no antialias) equal F.interpolate(bilinear, align_corners=False)."""
  images = np.random.RandomState(size).uniform(-1, 1, (2, size, size, 3)).astype(np.float32)
  expected = torch.nn.functional.interpolate(
      torch.from_numpy(images).permute(0, 3, 1, 2), size=(299, 299), mode='bilinear', align_corners=False)
  np.testing.assert_allclose(np.asarray(resize_for_inception(jnp.asarray(images))),
                             expected.permute(0, 2, 3, 1).numpy(), rtol=0, atol=1e-5)
