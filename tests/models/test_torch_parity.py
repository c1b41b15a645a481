"""The flax DCGAN equals the seed's PyTorch DCGAN, given the same (converted) weights."""

import importlib.util
import pathlib

import jax.numpy as jnp
import numpy as np
import pytest

torch = pytest.importorskip('torch', reason='PyTorch parity needs torch (pip install .[bench])')

from gan_jax.models.dcgan import DCGANDiscriminator, DCGANGenerator  # noqa: E402

_spec = importlib.util.spec_from_file_location(
    'torch_reference', pathlib.Path(__file__).with_name('torch_reference.py'))
torch_reference = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(torch_reference)

# (latent_dim, resolution, channels, width): the seed's own 32x32x1 models, and the 7x7 path.
SETUPS = [(100, 32, 1, 64), (16, 28, 3, 8)]


def _run_both(torch_module, flax_module, torch_input, flax_input, train):
  """Outputs of both models on the same weights; in train mode also checks the running means."""
  variables = torch_reference.to_flax_variables(torch_module)   # before torch updates its stats
  torch_module.train(train)
  want = torch_module(torch.from_numpy(torch_input)).detach().numpy()
  if not train:
    return flax_module.apply(variables, flax_input, train=False), want
  got, updates = flax_module.apply(variables, flax_input, train=True, mutable=['batch_stats'])
  updated = torch_reference.to_flax_variables(torch_module)['batch_stats']
  assert updates['batch_stats'].keys() == updated.keys() and updated
  for key, stats in updates['batch_stats'].items():
    # Means follow PyTorch's momentum; variances differ by PyTorch's unbiased n/(n-1) factor.
    np.testing.assert_allclose(stats['mean'], updated[key]['mean'], atol=1e-5)
  return got, want


@pytest.mark.parametrize('latent_dim,resolution,channels,width', SETUPS)
@pytest.mark.parametrize('train', [False, True])
def test_generator_matches_torch(latent_dim, resolution, channels, width, train):
  torch_g = torch_reference.randomize(
      torch_reference.torch_generator(latent_dim, resolution, channels, width), seed=0)
  z = np.random.default_rng(0).normal(size=(6, latent_dim)).astype(np.float32)
  got, want = _run_both(torch_g, DCGANGenerator(resolution, channels, width),
                        z[:, :, None, None], z, train)
  assert got.shape == (6, resolution, resolution, channels) and got.dtype == jnp.float32
  np.testing.assert_allclose(got, want.transpose(0, 2, 3, 1), atol=2e-5, rtol=1e-4)


@pytest.mark.parametrize('latent_dim,resolution,channels,width', SETUPS)
@pytest.mark.parametrize('train', [False, True])
def test_discriminator_matches_torch(latent_dim, resolution, channels, width, train):
  torch_d = torch_reference.randomize(
      torch_reference.torch_discriminator(resolution, channels, width), seed=1)
  x = np.random.default_rng(1).uniform(-1, 1, size=(6, resolution, resolution, channels))
  x = x.astype(np.float32)
  got, want = _run_both(torch_d, DCGANDiscriminator(resolution, width),
                        x.transpose(0, 3, 1, 2), x, train)
  assert got.shape == (6,) and got.dtype == jnp.float32
  np.testing.assert_allclose(got, want.reshape(-1), atol=2e-5, rtol=1e-4)
