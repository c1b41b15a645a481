"""ResNet SNGAN: layouts, spectral norm converging to sigma_max = 1 (numpy SVD), SN state in batch_stats."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from gan_jax.core.errors import ConfigError
from gan_jax.models import build_models, spectral_norm_enabled, validate_model_config
from gan_jax.models.resnet import d_plan, g_plan

from run_helpers import make_tiny_config


def _config(name='resnet', conditional='none', spectral_norm=None):
  config = make_tiny_config()
  config.model.name = name
  config.model.conditional = conditional
  config.model.d_spectral_norm = spectral_norm
  return config


def test_published_layouts():
  # mimicry sngan_32: G 3 up-blocks of 256 from 4x4; D optimised down, down, then two blocks at 8x8.
  assert g_plan(32, 256) == (256, (256, 256, 256))
  assert d_plan(32, 128) == ((128, True), (128, True), (128, False), (128, False))
  # mimicry sngan_64 (ngf = ndf = 1024 at the bottom): G 1024 -> 512 -> 256 -> 128 -> 64; D 64 ... 1024.
  assert g_plan(64, 64) == (1024, (512, 256, 128, 64))
  assert d_plan(64, 64) == tuple((64 * 2 ** i, True) for i in range(5))


def test_sngan_32_parameter_counts_match_mimicry():
  config = _config()
  config.model.g_width, config.model.d_width, config.model.latent_dim = 256, 128, 128
  generator, discriminator = build_models(config.model, (32, 32, 3))
  count = lambda t: sum(int(np.prod(x.shape)) for x in jax.tree.leaves(t['params']))
  g_vars = jax.eval_shape(generator.init, jax.random.key(0), jnp.zeros((1, 128)))
  d_vars = jax.eval_shape(discriminator.init, jax.random.key(0), jnp.zeros((1, 32, 32, 3)))
  assert count(g_vars) == 4_270_339 and count(d_vars) == 1_053_825   # mimicry: 4.3M / 1.0M (G: + 6,400 biases before BN)


@pytest.mark.parametrize('shape', [(16, 16, 1), (32, 32, 1), (32, 32, 3), (64, 64, 3)])
def test_shapes(shape):
  config = _config()
  generator, discriminator = build_models(config.model, shape)
  z = jnp.zeros((2, config.model.latent_dim))
  g_vars = jax.eval_shape(generator.init, jax.random.key(0), z)
  x = jax.eval_shape(lambda v: generator.apply(v, z), g_vars)
  assert x.shape == (2, *shape)
  d_vars = jax.eval_shape(discriminator.init, jax.random.key(0), x)
  assert jax.eval_shape(lambda v, x: discriminator.apply(v, x), d_vars, x).shape == (2,)


def test_spectral_norm_defaults_and_errors():
  assert spectral_norm_enabled(_config().model)
  assert not spectral_norm_enabled(_config('dcgan').model)
  assert spectral_norm_enabled(_config('dcgan', spectral_norm=True).model)
  config = _config()
  config.model.pack = 2
  with pytest.raises(ConfigError, match='model.pack=2'):
    validate_model_config(config)


def _sn_weights(params, stats):
  """{path: (weight [-1, out] numpy, stored sigma)} for every spectrally normalised weight."""
  flat_stats = {jax.tree_util.keystr(p): v for p, v in jax.tree_util.tree_flatten_with_path(stats)[0]}
  found = {}
  for path, leaf in jax.tree_util.tree_flatten_with_path(params)[0]:
    if leaf.ndim < 2:
      continue
    keys = [getattr(k, 'key', None) for k in path]
    # params .../<Layer>/<kernel> <-> batch_stats .../SpectralNorm_i/'<Layer>/<kernel>/sigma'
    sigma = [v for name, v in flat_stats.items()
             if name.endswith(f"'{keys[-2]}/{keys[-1]}/sigma']") and name.startswith(
                 jax.tree_util.keystr(tuple(path[:-2])).rstrip(']'))]
    assert len(sigma) == 1, f'{jax.tree_util.keystr(path)}: no (unique) spectral-norm state'
    found[jax.tree_util.keystr(path)] = (np.asarray(leaf).reshape(-1, leaf.shape[-1]), float(sigma[0]))
  return found


@pytest.mark.parametrize('name, conditional', [('resnet', 'projection'), ('resnet', 'acgan'), ('dcgan', 'none')])
def test_spectral_norm_converges_to_unit_sigma_max(name, conditional):
  config = _config(name, conditional, spectral_norm=True)
  _, discriminator = build_models(config.model, (16, 16, 1), 10)
  x = jax.random.normal(jax.random.key(1), (4, 16, 16, 1))
  labels = jnp.arange(4) if conditional != 'none' else None
  variables = discriminator.init(jax.random.key(2), x, labels)

  @jax.jit
  def power_iterations(stats):
    def body(_, stats):
      _, updates = discriminator.apply({'params': variables['params'], 'batch_stats': stats}, x, labels,
                                       train=True, mutable=['batch_stats'])
      return updates['batch_stats']
    return jax.lax.fori_loop(0, 300, body, stats)

  stats = power_iterations(variables['batch_stats'])
  weights = _sn_weights(variables['params'], stats)
  assert len(weights) >= 3   # every conv/dense (and the class embedding / head) kernel, each checked above
  for path, (matrix, sigma) in weights.items():
    sigma_max = np.linalg.svd(matrix.astype(np.float64), compute_uv=False)[0]
    assert abs(sigma_max / sigma - 1) < 1e-3, path
  # eval mode does not move the vectors
  _, updates = discriminator.apply({'params': variables['params'], 'batch_stats': stats}, x, labels, train=False,
                                   mutable=['batch_stats'])
  for a, b in zip(jax.tree.leaves(updates.get('batch_stats', stats)), jax.tree.leaves(stats)):
    np.testing.assert_array_equal(a, b)
