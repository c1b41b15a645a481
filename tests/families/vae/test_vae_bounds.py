"""The VAE's reported bounds are bounds (issue 19, fix e): a Gaussian on 8-bit pixels is dequantised, so no
decoder, however small its scale, gets below 0 bits per dimension; a Bernoulli only ever scores binary
pixels, in training and in evaluation. Both tests failed before the fix: the Gaussian reported about
-8.6 bits/dim at scale 1e-3 (a density on undequantised pixels grows without bound as the scale shrinks),
and the Bernoulli scored the grey digits' pixels u / 255."""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from gan_jax.core import parallel
from gan_jax.families.vae import objective as vo
from gan_jax.families.vae.bounds import BoundEvaluator, discretize_split
from gan_jax.families.vae.state import init_vae_state
from gan_jax.families.vae.step import train_step
from gan_jax.models.vae import VAE, MLPDecoder, MLPEncoder

SHAPE = (4, 4, 1)
LATENT = 3


def _mlp_vae(learned_scale=False):
  return VAE(MLPEncoder(16, LATENT), MLPDecoder(16, SHAPE), LATENT, learned_scale=learned_scale)


def _grey_images(count=6, seed=0):
  """8-bit grey images as the data stage gives them: u / 127.5 - 1, float32 [count, 4, 4, 1]."""
  levels = np.random.RandomState(seed).randint(1, 255, (count, *SHAPE))
  return (levels / 127.5 - 1.0).astype(np.float32), levels


def _decoder_on(params, mean01):
  """params whose decoder ignores z and puts the likelihood's mean at `mean01` [4, 4, 1] (in (0, 1))."""
  params = jax.tree.map(lambda a: a, params)   # a copy
  dense = params['decoder']['Dense_1']
  dense['kernel'] = jnp.zeros_like(dense['kernel'])
  dense['bias'] = jnp.asarray(np.log(mean01 / (1 - mean01)).reshape(-1), jnp.float32)
  return params


@pytest.mark.parametrize('scale', [1e-2, 1e-3, 1e-4])
def test_gaussian_bounds_on_8bit_pixels_are_never_below_zero_bits(scale):
  """A decoder whose mean sits on the (one) image with a tiny fixed scale: the old undequantised density gave
  -5.3, -8.6 and -11.9 bits/dim here; a bound on the probability of discrete pixels cannot be negative."""
  images, levels = _grey_images(1)
  images = np.repeat(images, 6, axis=0)
  vae = _mlp_vae()
  params = vae.init(jax.random.PRNGKey(0), jnp.asarray(images), None, jnp.zeros((6, LATENT)))['params']
  params = _decoder_on(params, (levels[0] / 255.0).astype(np.float64))
  bounds = BoundEvaluator(vae, vo.LIKELIHOODS.get('gaussian'), scale, 4, 8, 0, parallel.make_data_mesh())
  results = bounds(params, {}, images, None)
  assert results['bits_per_dim'] >= 0 and results['neg_elbo'] >= 0, results
  assert results['iwae_bits_per_dim'] >= 0 and results['neg_iwae'] >= 0, results
  np.testing.assert_allclose(results['bits_per_dim'], results['neg_elbo'] / (16 * np.log(2)), rtol=1e-6)


def test_gaussian_training_metrics_are_in_bits_per_8bit_value():
  images, _ = _grey_images(8)
  vae = _mlp_vae(learned_scale=True)
  tx = optax.adam(1e-3)
  state = init_vae_state(0, vae=vae, tx=tx, example_shape=SHAPE, conditional=False)
  # A learned scale far below a pixel's bin (1/256): the dequantisation noise makes that a bad model.
  state = state.replace(params={**state.params, 'log_scale': jnp.full((1,), np.log(1e-4), jnp.float32)})
  _, metrics = train_step(state, {'image': jnp.asarray(images)}, jax.random.PRNGKey(1), vae=vae,
                          likelihood=vo.LIKELIHOODS.get('gaussian'), tx=tx, schedule=lambda _: 1e-3,
                          fixed_scale=0.0, beta=1.0, kl_warmup_steps=0, ema_decay=0.0, conditional=False)
  assert metrics['bits_per_dim'] >= 0 and metrics['recon_nll'] >= 0, metrics


def _spy(likelihood, seen):
  """`likelihood` whose log_prob first sends the data it scores to `seen` (host numpy arrays)."""
  def log_prob(data, out, scale):
    jax.debug.callback(lambda a: seen.append(np.asarray(a)), data)
    return likelihood.log_prob(data, out, scale)
  return likelihood._replace(log_prob=log_prob)


def test_bernoulli_scores_binary_pixels_only_in_training_and_evaluation():
  images, _ = _grey_images(8)   # grey pixels: u in [1, 254]
  vae = _mlp_vae()
  tx = optax.adam(1e-3)
  seen = []
  likelihood = _spy(vo.LIKELIHOODS.get('bernoulli'), seen)
  state = init_vae_state(0, vae=vae, tx=tx, example_shape=SHAPE, conditional=False)
  jax.block_until_ready(train_step(
      state, {'image': jnp.asarray(images)}, jax.random.PRNGKey(1), vae=vae, likelihood=likelihood, tx=tx,
      schedule=lambda _: 1e-3, fixed_scale=0.0, beta=1.0, kl_warmup_steps=0, ema_decay=0.0, conditional=False))
  BoundEvaluator(vae, likelihood, 0.0, 3, 6, 0, parallel.make_data_mesh())(state.params, {}, images, None)
  jax.effects_barrier()
  assert seen, 'the likelihood was never called'
  for data in seen:
    assert set(np.unique(data)) <= {0.0, 1.0}, np.unique(data)[:8]


def test_binarize_draws_bernoulli_of_the_pixel_and_keeps_binary_images():
  images, levels = _grey_images(2)
  noise = jax.random.uniform(jax.random.PRNGKey(0), (4000, *images.shape))
  draws = jax.vmap(vo.binarize, in_axes=(None, 0))(jnp.asarray(images), noise)
  assert set(np.unique(draws)) == {0.0, 1.0}
  np.testing.assert_allclose(np.mean(draws, 0), levels / 255.0, atol=0.04)
  binary = np.where(levels > 127, 1.0, -1.0).astype(np.float32)
  np.testing.assert_array_equal(vo.binarize(jnp.asarray(binary), noise[0]), (binary + 1) / 2)


def test_dequantize_spreads_each_value_over_its_bin():
  images, levels = _grey_images(3)
  for noise in (np.zeros(images.shape), np.full(images.shape, 0.999), np.random.RandomState(1).rand(*images.shape)):
    y = np.asarray(vo.dequantize(jnp.asarray(images), jnp.asarray(noise, jnp.float32)))
    assert np.all(y >= levels / 256.0) and np.all(y < (levels + 1) / 256.0)


def test_result_keys_name_the_data_they_bound():
  images, _ = _grey_images(3)
  vae = _mlp_vae()
  params = vae.init(jax.random.PRNGKey(0), jnp.asarray(images), None, jnp.zeros((3, LATENT)))['params']
  mesh = parallel.make_data_mesh()
  binarized = BoundEvaluator(vae, vo.LIKELIHOODS.get('bernoulli'), 0.0, 2, 4, 0, mesh)(params, {}, images, None)
  assert set(binarized) == {'neg_elbo_binarized', 'bits_per_dim_binarized', 'recon_nll_binarized', 'kl',
                            'neg_iwae_binarized', 'iwae_bits_per_dim_binarized', 'iwae_samples'}
  dequantized = BoundEvaluator(vae, vo.LIKELIHOODS.get('gaussian'), 0.1, 2, 4, 0, mesh)(params, {}, images, None)
  assert set(dequantized) == {'neg_elbo', 'bits_per_dim', 'recon_nll', 'kl', 'neg_iwae', 'iwae_bits_per_dim',
                              'iwae_samples'}


def test_an_images_discretisation_depends_on_its_index_only():
  """The evaluated binarisation is fixed per (eval.seed, image): the same whatever the chunk or k."""
  images, _ = _grey_images(6)
  key = jax.random.PRNGKey(3)
  bernoulli = vo.LIKELIHOODS.get('bernoulli')
  whole = discretize_split(bernoulli, jnp.asarray(images), jnp.arange(6), key)
  part = discretize_split(bernoulli, jnp.asarray(images[2:5]), jnp.arange(2, 5), key)
  np.testing.assert_array_equal(whole[2:5], part)
