"""Class conditioning: conditional BatchNorm, the projection logit, the AC-GAN head, config errors."""

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from gan_jax.core.errors import ConfigError
from gan_jax.models import build_models, resolve_num_classes, validate_model_config
from gan_jax.models.conditioning import ConditionalBatchNorm, discriminator_outputs

from run_helpers import make_tiny_config


@pytest.mark.parametrize('train', [True, False])
def test_conditional_bn_with_equal_class_embeddings_is_plain_bn(train):
  rng = np.random.default_rng(0)
  x = jnp.asarray(rng.normal(2.0, 3.0, (6, 4, 4, 5)), jnp.float32)
  labels = jnp.asarray([0, 1, 2, 2, 1, 0])
  gain, bias = rng.normal(1, 0.3, 5).astype(np.float32), rng.normal(0, 0.3, 5).astype(np.float32)
  stats = {'mean': jnp.asarray(rng.normal(size=5), jnp.float32), 'var': jnp.asarray(rng.uniform(1, 2, 5), jnp.float32)}
  cbn = ConditionalBatchNorm(3)
  cbn_vars = {'params': {'gain': {'embedding': np.tile(gain, (3, 1))}, 'bias': {'embedding': np.tile(bias, (3, 1))}},
              'batch_stats': {'BatchNorm_0': stats}}
  bn = nn.BatchNorm(use_running_average=not train, momentum=0.9, epsilon=1e-5)
  bn_vars = {'params': {'scale': gain, 'bias': bias}, 'batch_stats': stats}
  got, got_upd = cbn.apply(cbn_vars, x, labels, train, mutable=['batch_stats'])
  want, want_upd = bn.apply(bn_vars, x, mutable=['batch_stats'])
  np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
  np.testing.assert_allclose(got_upd['batch_stats']['BatchNorm_0']['mean'], want_upd['batch_stats']['mean'], rtol=1e-6)


def test_conditional_bn_gain_starts_at_one_and_differs_per_class_after_edit():
  cbn = ConditionalBatchNorm(4)
  x = jnp.ones((2, 3, 3, 2)) * jnp.arange(2.0)
  variables = cbn.init(jax.random.key(0), x, jnp.array([0, 3]))
  np.testing.assert_array_equal(variables['params']['gain']['embedding'], np.ones((4, 2)))
  np.testing.assert_array_equal(variables['params']['bias']['embedding'], np.zeros((4, 2)))


class _Head(nn.Module):
  conditional: str

  @nn.compact
  def __call__(self, logits, features, labels):
    return discriminator_outputs(logits, features, labels, conditional=self.conditional, num_classes=3,
                                 spectral_norm=False, update_stats=False, dtype=jnp.float32)


def test_projection_logit_equals_hand_computation():
  rng = np.random.default_rng(1)
  logits = rng.normal(size=4).astype(np.float32)
  features = rng.normal(size=(4, 2, 2, 3)).astype(np.float32)
  labels = np.array([2, 0, 1, 2])
  embedding = rng.normal(size=(3, 3)).astype(np.float32)   # phi(x): the feature map summed over space
  out = _Head('projection').apply({'params': {'class_embedding': {'embedding': embedding}}}, logits, features, labels)
  want = logits + np.array([embedding[y] @ features[i].sum(axis=(0, 1)) for i, y in enumerate(labels)])
  np.testing.assert_allclose(out, want, rtol=1e-5, atol=1e-5)


def test_acgan_head_returns_logits_and_class_logits():
  rng = np.random.default_rng(2)
  logits, features = rng.normal(size=3).astype(np.float32), rng.normal(size=(3, 5)).astype(np.float32)
  kernel, bias = rng.normal(size=(5, 3)).astype(np.float32), rng.normal(size=3).astype(np.float32)
  out, classes = _Head('acgan').apply({'params': {'class_head': {'kernel': kernel, 'bias': bias}}}, logits, features,
                                      np.zeros(3, np.int32))
  np.testing.assert_allclose(out, logits)
  np.testing.assert_allclose(classes, features @ kernel + bias, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize('conditional', ['projection', 'acgan'])
def test_conditional_dcgan_generator_output_depends_on_label(conditional):
  config = make_tiny_config()
  config.model.conditional = conditional
  generator, discriminator = build_models(config.model, (16, 16, 1), 10)
  z = jnp.tile(jax.random.normal(jax.random.key(0), (1, config.model.latent_dim)), (2, 1))
  labels = jnp.array([1, 7])
  g_vars = generator.init(jax.random.key(1), z, labels)
  # Give class 7 its own gains so the two labels must differ.
  params = jax.tree_util.tree_map_with_path(
      lambda p, v: v.at[7].set(2.0) if 'gain' in jax.tree_util.keystr(p) else v, g_vars['params'])
  x = generator.apply({**g_vars, 'params': params}, z, labels)
  assert not np.allclose(x[0], x[1])
  d_out = discriminator.apply(discriminator.init(jax.random.key(2), x, labels), x, labels)
  if conditional == 'acgan':
    assert d_out[0].shape == (2,) and d_out[1].shape == (2, 10)
  else:
    assert d_out.shape == (2,)


def test_conditional_dcgan_generator_gets_the_class_at_its_input():
  """The class code starts at 0 (G starts unconditional) and, once learned, reaches the output by itself."""
  config = make_tiny_config()
  config.model.conditional = 'projection'
  generator, _ = build_models(config.model, (16, 16, 1), 10)
  z = jnp.tile(jax.random.normal(jax.random.key(0), (1, config.model.latent_dim)), (2, 1))
  labels = jnp.array([1, 7])
  g_vars = generator.init(jax.random.key(1), z, labels)
  code = g_vars['params']['class_input']['embedding']
  assert code.shape == (10, config.model.latent_dim) and not np.any(code)
  np.testing.assert_array_equal(*generator.apply(g_vars, z, labels))
  learned = jax.random.normal(jax.random.key(2), code.shape)
  params = {**g_vars['params'], 'class_input': {'embedding': learned}}
  assert not np.allclose(*generator.apply({**g_vars, 'params': params}, z, labels))


def _error(config) -> str:
  with pytest.raises(ConfigError) as info:
    validate_model_config(config)
  message = str(info.value)
  assert '\n' not in message
  return message


def test_config_errors_for_conditioning():
  config = make_tiny_config()
  config.model.conditional = 'projection'
  config.data.label_key = ''
  assert 'needs labels' in _error(config)
  config = make_tiny_config()
  config.model.conditional = 'projection'
  config.model.pack = 2
  assert 'model.pack=2' in _error(config)
  config = make_tiny_config()
  config.model.conditional = 'bogus'
  assert 'model.conditional' in _error(config)
  config = make_tiny_config()
  config.model.name = 'mlp'
  config.model.conditional = 'acgan'
  assert 'not supported by model.name=mlp' in _error(config)
  config = make_tiny_config()
  config.model.name = 'mlp'
  config.model.d_spectral_norm = True
  assert 'no discriminator weights' in _error(config)


def test_resolve_num_classes():
  config = make_tiny_config()
  assert resolve_num_classes(config.model, 10) == 0   # unconditional
  config.model.conditional = 'acgan'
  assert resolve_num_classes(config.model, 10) == 10
  with pytest.raises(ConfigError, match='needs a labelled dataset'):
    resolve_num_classes(config.model, 0)
  config.model.num_classes = 5
  with pytest.raises(ConfigError, match='model.num_classes=5'):
    resolve_num_classes(config.model, 10)
