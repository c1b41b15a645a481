"""The PyTorch SNGAN peer (benchmarks/torch_sngan.py) computes gan_jax's ResNet G and D, given the same
(copied) weights: G in train and eval mode, D with the spectral-norm vectors of one power iteration."""

import importlib.util
import pathlib

import jax
import numpy as np
import pytest

torch = pytest.importorskip('torch', reason='PyTorch parity needs torch (pip install .[bench])')

from gan_jax.models.resnet import ResNetDiscriminator, ResNetGenerator  # noqa: E402

_PATH = pathlib.Path(__file__).parents[2] / 'benchmarks' / 'torch_sngan.py'
_spec = importlib.util.spec_from_file_location('torch_sngan', _PATH)
torch_sngan = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(torch_sngan)

# (resolution, channels, width, latent): both layouts of sngan_32 (2 and 3 up-blocks; 1 and 2 downsamplings).
SETUPS = [(16, 1, 8, 16), (32, 3, 8, 16)]


def _randomize(variables, seed):
  """Every parameter and BatchNorm statistic moved off its init (variances kept positive), so zero
  biases and unit scales cannot hide a mis-copied layer."""
  rng = np.random.default_rng(seed)
  def move(path, x):
    x = np.asarray(x) + 0.1 * rng.standard_normal(np.shape(x)).astype(np.float32)
    return np.abs(x) + 0.5 if getattr(path[-1], 'key', None) == 'var' else x
  return jax.tree_util.tree_map_with_path(move, variables)


def _set(param, value):
  with torch.no_grad():
    param.copy_(torch.from_numpy(np.ascontiguousarray(value, np.float32)))


def _conv_weight(kernel):   # HWIO -> OIHW
  return np.asarray(kernel).transpose(3, 2, 0, 1)


def _load_bn(bn, params, stats):
  _set(bn.weight, params['scale']); _set(bn.bias, params['bias'])
  _set(bn.running_mean, stats['mean']); _set(bn.running_var, stats['var'])


def load_generator(module, variables):
  params, stats = variables['params'], variables['batch_stats']
  _set(module.l1.weight, np.asarray(params['Dense_0']['kernel']).T)
  for i, block in enumerate(module.blocks):
    p, s = params[f'GBlock_{i}'], stats[f'GBlock_{i}']
    _load_bn(block.bn1, p['BatchNorm_0'], s['BatchNorm_0'])
    _load_bn(block.bn2, p['BatchNorm_1'], s['BatchNorm_1'])
    for name, conv in (('Conv_0', block.c1), ('Conv_1', block.c2), ('Conv_2', block.c_sc)):
      _set(conv.weight, _conv_weight(p[name]['kernel']))
  _load_bn(module.bn, params['BatchNorm_0'], stats['BatchNorm_0'])
  _set(module.c_out.weight, _conv_weight(params['Conv_0']['kernel']))
  _set(module.c_out.bias, params['Conv_0']['bias'])


def _normalize(x):
  return x / np.sqrt(np.sum(x * x) + 1e-12)


def _load_sn(layer, kernel, bias, u0, torch_weight):
  """Raw weight, bias, and torch's (u, v) set to flax's vectors after its one power iteration from u0:
  torch's eval mode then uses sigma = u^T W v, the sigma flax normalises with. Returns flax's new u."""
  matrix = np.asarray(kernel, np.float64).reshape(-1, kernel.shape[-1])     # [kh*kw*in, out]
  v = _normalize(matrix @ np.asarray(u0, np.float64)[0])
  u = _normalize(v @ matrix)
  v_torch = v.reshape(kernel.shape[:-1]).transpose(2, 0, 1).reshape(-1) if kernel.ndim == 4 else v
  parametrization = layer.parametrizations.weight
  _set(parametrization.original, torch_weight)
  _set(layer.bias, bias)
  _set(parametrization[0]._u, u)
  _set(parametrization[0]._v, v_torch)
  return u


def load_discriminator(module, variables):
  """Loads flax D's variables into the torch D; returns {(scope..., u name): flax's expected new u}."""
  params, stats = variables['params'], variables['batch_stats']
  expected = {}
  def load(layer, scope, name, weight):
    p = params[scope] if scope else params
    s = stats[scope] if scope else stats
    wrapper = next(w for w, entries in s.items() if f'{name}/kernel/u' in entries)   # its SpectralNorm_j
    u_name = f'{name}/kernel/u'
    path = (scope, wrapper, u_name) if scope else (wrapper, u_name)
    expected[path] = _load_sn(layer, p[name]['kernel'], p[name]['bias'], s[wrapper][u_name], weight)
  for i, block in enumerate(module.blocks):
    for name, conv in (('Conv_0', block.c1), ('Conv_1', block.c2), ('Conv_2', block.c_sc)):
      if conv is not None:
        load(conv, f'DBlock_{i}', name, _conv_weight(params[f'DBlock_{i}'][name]['kernel']))
  load(module.l_out, '', 'Dense_0', np.asarray(params['Dense_0']['kernel']).T)
  return expected


@pytest.mark.parametrize('resolution,channels,width,latent', SETUPS)
@pytest.mark.parametrize('train', [False, True])
def test_generator_matches_torch(resolution, channels, width, latent, train):
  flax_g = ResNetGenerator(resolution, channels, width)
  z = np.random.default_rng(0).normal(size=(6, latent)).astype(np.float32)
  variables = _randomize(flax_g.init(jax.random.key(0), z), seed=1)
  torch_g = torch_sngan.Generator(resolution, channels, width, latent)
  load_generator(torch_g, variables)
  torch_g.train(train)
  want = torch_g(torch.from_numpy(z)).detach().numpy().transpose(0, 2, 3, 1)
  got = flax_g.apply(variables, z, train=train, mutable=['batch_stats'] if train else False)
  got = got[0] if train else got
  assert got.shape == (6, resolution, resolution, channels)
  np.testing.assert_allclose(got, want, atol=1e-5, rtol=0)


@pytest.mark.parametrize('resolution,channels,width,latent', SETUPS)
def test_discriminator_matches_torch(resolution, channels, width, latent):
  del latent
  flax_d = ResNetDiscriminator(resolution, width)
  x = np.random.default_rng(2).uniform(-1, 1, size=(6, resolution, resolution, channels)).astype(np.float32)
  variables = _randomize(flax_d.init(jax.random.key(0), x), seed=3)
  torch_d = torch_sngan.Discriminator(resolution, channels, width)
  expected_u = load_discriminator(torch_d, variables)
  torch_d.eval()   # D has no BatchNorm: eval only stops torch's power iteration (its u, v are flax's)
  want = torch_d(torch.from_numpy(x.transpose(0, 3, 1, 2))).detach().numpy()
  got, updates = flax_d.apply(variables, x, train=True, mutable=['batch_stats'])
  np.testing.assert_allclose(got, want, atol=1e-5, rtol=0)
  for path, u in expected_u.items():   # and flax's own power iteration is the one the test mirrors
    entry = updates['batch_stats']
    for key in path:
      entry = entry[key]
    np.testing.assert_allclose(entry[0], u, atol=1e-5)
