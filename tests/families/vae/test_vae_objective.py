"""The VAE objective against hand computations: Bernoulli/Gaussian log-likelihoods (scipy), the analytic
Gaussian KL, the ELBO of a real (MLP) VAE on its discrete data (binarised, dequantised), and the IWAE bound
(k=1 equals the ELBO estimate, k>1 is at least the ELBO in expectation). That the bounds are bounds:
test_vae_bounds.py."""

import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy import stats

from configs import default
from gan_jax.families.vae import objective as vo
from gan_jax.families.vae.bounds import _per_example_bounds
from gan_jax.models.vae import build_vae

RNG = np.random.RandomState(0)


def test_bernoulli_log_prob_matches_scipy_on_binary_pixels():
  x01 = RNG.randint(0, 2, (3, 4, 4, 1)).astype(np.float32)
  logits = RNG.normal(0, 2, x01.shape).astype(np.float32)
  p = 1 / (1 + np.exp(-logits.astype(np.float64)))
  expected = stats.bernoulli.logpmf(x01, p).reshape(3, -1).sum(1)
  np.testing.assert_allclose(vo.bernoulli_log_prob(x01, logits), expected, rtol=1e-5)


def test_dequantized_gaussian_adds_the_bins_log_volume():
  y = RNG.uniform(0, 1, (2, 4, 4, 1)).astype(np.float32)
  out = RNG.normal(0, 1, y.shape).astype(np.float32)
  np.testing.assert_allclose(vo.dequantized_gaussian_log_prob(y, out, 0.1),
                             vo.gaussian_log_prob(y, out, 0.1) - 16 * np.log(256), rtol=1e-6)


@pytest.mark.parametrize('scale', [0.1, np.array([0.3], np.float32)])
def test_gaussian_log_prob_matches_scipy(scale):
  x01 = RNG.uniform(0, 1, (3, 4, 4, 1)).astype(np.float32)
  out = RNG.normal(0, 1, x01.shape).astype(np.float32)
  mean = 1 / (1 + np.exp(-out.astype(np.float64)))
  expected = stats.norm.logpdf(x01, mean, np.broadcast_to(scale, x01.shape)).reshape(3, -1).sum(1)
  np.testing.assert_allclose(vo.gaussian_log_prob(x01, out, jnp.asarray(scale)), expected, rtol=1e-5)


def test_gaussian_kl_matches_closed_form_and_monte_carlo():
  mean = RNG.normal(0, 1, (4, 3))
  log_var = RNG.normal(0, 0.5, (4, 3))
  std = np.exp(0.5 * log_var)
  closed = np.sum(-np.log(std) + (std ** 2 + mean ** 2) / 2 - 0.5, axis=1)
  np.testing.assert_allclose(vo.gaussian_kl(mean.astype(np.float32), log_var.astype(np.float32)), closed,
                             rtol=1e-5)
  z = mean + std * np.random.RandomState(1).normal(size=(200_000, *mean.shape))
  monte_carlo = (stats.norm.logpdf(z, mean, std) - stats.norm.logpdf(z)).sum(-1).mean(0)
  np.testing.assert_allclose(monte_carlo, closed, atol=0.02)


def test_kl_weight_warms_up_linearly():
  assert [float(vo.kl_weight(s, 0.5, 10)) for s in (0, 5, 10, 20)] == [0.0, 0.25, 0.5, 0.5]
  assert float(vo.kl_weight(0, 2.0, 0)) == 2.0


def test_bits_per_dim():
  np.testing.assert_allclose(vo.bits_per_dim(784 * np.log(2.0), 784), 1.0)


def _mlp_vae(likelihood='bernoulli', scale=0.0):
  """An MLP VAE and 6 images: binary ones for the Bernoulli, 8-bit grey ones for the Gaussian."""
  config = default.get_config()
  config.model.name, config.model.latent_dim = 'vae_mlp', 3
  config.vae.encoder_hidden = config.vae.decoder_hidden = 16
  config.vae.likelihood, config.vae.scale = likelihood, scale
  vae = build_vae(config.model, config.vae, (4, 4, 1))
  levels = RNG.randint(0, 2, (6, 4, 4, 1)) * 255 if likelihood == 'bernoulli' else RNG.randint(0, 256, (6, 4, 4, 1))
  x = jnp.asarray(levels / 127.5 - 1.0, jnp.float32)
  variables = vae.init(jax.random.PRNGKey(0), x, None, jnp.zeros((6, 3)))
  return vae, variables, x


DATA_KEY = jax.random.PRNGKey(11)


@functools.lru_cache(maxsize=None)
def _jitted_bounds(vae, k, likelihood, scale):
  return jax.jit(functools.partial(_per_example_bounds, vae=vae, likelihood=vo.LIKELIHOODS.get(likelihood),
                                   fixed_scale=scale, k=k))


def _bounds(vae, variables, x, key, k, likelihood='bernoulli', scale=0.0):
  return _jitted_bounds(vae, k, likelihood, scale)(variables['params'], {}, x, None, jnp.arange(len(x)), key,
                                                    DATA_KEY)


def _hand_terms(vae, variables, x, eps, likelihood, scale):
  """(log P(data|z), log p(z), log q(z|data), analytic KL) with numpy/scipy from the encoder/decoder outputs;
  data: x itself (binary) or x's 8-bit values dequantised with DATA_KEY's per-image noise, + log(1/256)."""
  levels = np.round((np.asarray(x, np.float64) + 1) * 127.5)
  if likelihood == 'bernoulli':
    data = levels / 255
  else:
    noise = np.stack([jax.random.uniform(jax.random.fold_in(DATA_KEY, i), x.shape[1:]) for i in range(len(x))])
    data = (levels + noise) / 256
  encoded = vae.apply(variables, jnp.asarray(data * 2 - 1, jnp.float32), None, method='encode')
  mean, log_var = (np.asarray(a, np.float64) for a in encoded)
  std = np.exp(0.5 * log_var)
  z = mean + std * np.asarray(eps, np.float64)
  out = np.asarray(vae.apply(variables, jnp.asarray(z, jnp.float32), None, method='decode'), np.float64)
  p = 1 / (1 + np.exp(-out))
  if likelihood == 'bernoulli':
    log_lik = stats.bernoulli.logpmf(data, p).reshape(len(x), -1).sum(1)
  else:
    log_lik = stats.norm.logpdf(data, p, scale).reshape(len(x), -1).sum(1) - data[0].size * np.log(256)
  log_pz = stats.norm.logpdf(z).sum(-1)
  log_qz = stats.norm.logpdf(z, mean, std).sum(-1)
  kl = np.sum(-np.log(std) + (std ** 2 + mean ** 2) / 2 - 0.5, axis=-1)
  return log_lik, log_pz, log_qz, kl


@pytest.mark.parametrize('likelihood, scale', [('bernoulli', 0.0), ('gaussian', 0.2)])
def test_elbo_and_iwae_k1_equal_hand_computation(likelihood, scale):
  vae, variables, x = _mlp_vae(likelihood, scale)
  key = jax.random.PRNGKey(5)
  elbo, log_lik, kl, iwae = _bounds(vae, variables, x, key, 1, likelihood, scale)
  elbo_key, iwae_key = jax.random.split(key)
  hand_lik, _, _, hand_kl = _hand_terms(vae, variables, x, jax.random.normal(elbo_key, (6, 3)), likelihood, scale)
  np.testing.assert_allclose(log_lik, hand_lik, rtol=1e-5, atol=1e-4)
  np.testing.assert_allclose(kl, hand_kl, rtol=1e-5, atol=1e-5)
  np.testing.assert_allclose(elbo, hand_lik - hand_kl, rtol=1e-5, atol=1e-4)
  # k = 1: the single-sample ELBO estimate log p(x|z) + log p(z) - log q(z|x) at the IWAE key's z.
  lik1, log_pz, log_qz, _ = _hand_terms(vae, variables, x, jax.random.normal(iwae_key, (1, 6, 3))[0],
                                        likelihood, scale)
  np.testing.assert_allclose(iwae, lik1 + log_pz - log_qz, rtol=1e-5, atol=1e-4)


def test_iwae_is_at_least_the_elbo_in_expectation_and_grows_with_k():
  vae, variables, x = _mlp_vae()
  means = {}
  for k in (1, 5, 50):
    runs = jax.device_get([_bounds(vae, variables, x, jax.random.PRNGKey(seed), k) for seed in range(40)])
    means[k] = float(np.mean([np.mean(r[3]) for r in runs]))
    elbo = float(np.mean([np.mean(r[0]) for r in runs]))
  assert abs(means[1] - elbo) < 0.1 * abs(elbo)   # k = 1: an estimate of the same ELBO
  assert elbo < means[5] < means[50], (elbo, means)
