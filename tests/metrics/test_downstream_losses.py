"""The downstream classifier's long-tail losses: logit adjustment, LDAM's margins and cosine head, DRW."""

import jax
import jax.numpy as jnp
import numpy as np

from gan_jax.metrics import classifier as clf
from gan_jax.metrics import downstream, downstream_losses as dl

COUNTS = [100, 10, 1]


def _ce(logits, labels):
  log_p = logits - np.log(np.exp(logits).sum(1, keepdims=True))
  return -log_p[np.arange(len(labels)), labels]


def test_logit_adjusted_logits_are_log_priors_times_tau():
  logits = np.array([[0.5, -1.0, 2.0], [0.0, 0.0, 0.0]], np.float32)
  # priors 100/111, 10/111, 1/111 (Menon et al. 2021: f_y(x) + tau * log pi_y), tau = 1.5
  hand = logits + 1.5 * np.log(np.array([100, 10, 1]) / 111.0)
  np.testing.assert_allclose(dl.adjusted_logits(jnp.asarray(logits), COUNTS, 1.5), hand, rtol=1e-6)
  np.testing.assert_allclose(dl.log_prior(COUNTS), np.log([100 / 111, 10 / 111, 1 / 111]), rtol=1e-6)
  labels = np.array([2, 0])
  objective = dl.objective('logit_adjusted', COUNTS, 1.5)
  assert not objective.cosine_head and objective.record['tau'] == 1.5
  np.testing.assert_allclose(float(objective.loss(jnp.asarray(logits), jnp.asarray(labels), None)),
                             _ce(hand, labels).mean(), rtol=1e-5)
  # tau = 0 is plain cross-entropy.
  np.testing.assert_allclose(float(dl.objective('logit_adjusted', COUNTS, 0.0).loss(jnp.asarray(logits),
                                                                                    jnp.asarray(labels), None)),
                             _ce(logits, labels).mean(), rtol=1e-5)


def test_ldam_margins_follow_cao_et_al():
  # Delta_j = C / n_j^(1/4), the largest 0.5: kaidic/LDAM-DRW's m_list = 1 / sqrt(sqrt(n)) * (0.5 / max).
  raw = 1.0 / np.array(COUNTS, np.float64) ** 0.25
  np.testing.assert_allclose(dl.ldam_margins(COUNTS), raw * 0.5 / raw.max(), rtol=1e-6)
  np.testing.assert_allclose(dl.ldam_margins(COUNTS), [0.5 * 0.01 ** 0.25, 0.5 * 0.1 ** 0.25, 0.5], rtol=1e-6)
  cosine = np.array([[0.2, 0.9, -0.1], [0.3, 0.1, 0.4]], np.float32)
  labels = np.array([1, 2])
  margins = dl.ldam_margins(COUNTS)
  hand = 30.0 * cosine.copy()
  hand[0, 1] = 30.0 * (0.9 - margins[1])   # the margin comes off the true class only
  hand[1, 2] = 30.0 * (0.4 - margins[2])
  np.testing.assert_allclose(dl.ldam_logits(jnp.asarray(cosine), jnp.asarray(labels), margins), hand, rtol=1e-5)
  objective = dl.objective('ldam', COUNTS)
  assert objective.cosine_head and objective.record['scale'] == 30.0 and objective.record['max_margin'] == 0.5
  weights = np.array([0.5, 1.0, 1.5], np.float32)
  np.testing.assert_allclose(float(objective.loss(jnp.asarray(cosine), jnp.asarray(labels), weights)),
                             (weights[labels] * _ce(hand, labels)).mean(), rtol=1e-5)


def test_drw_switches_to_effective_number_weights_at_its_step():
  beta = 0.9999
  raw = (1 - beta) / (1 - beta ** np.array(COUNTS, np.float64))
  schedule = downstream.weight_schedule(None, COUNTS, 30)
  assert schedule(0) is None and schedule(29) is None
  np.testing.assert_allclose(schedule(30), 3 * raw / raw.sum(), rtol=1e-5)
  np.testing.assert_allclose(schedule(99), schedule(30))
  fixed = np.ones(3, np.float32)
  assert downstream.weight_schedule(fixed, COUNTS, 0)(50) is fixed   # drw_start = 0: the weights throughout


def test_cosine_head_gives_cosine_logits():
  features = np.random.default_rng(0).uniform(0, 1, (4, 8)).astype(np.float32)
  head = clf.CosineDense(3)
  params = head.init(jax.random.PRNGKey(0), jnp.zeros((1, 8)))['params']
  logits = head.apply({'params': params}, jnp.asarray(features))
  kernel, f = np.asarray(params['kernel'], np.float64), features.astype(np.float64)
  hand = (f / np.linalg.norm(f, axis=1, keepdims=True)) @ (kernel / np.linalg.norm(kernel, axis=0, keepdims=True))
  np.testing.assert_allclose(logits, hand, rtol=1e-4, atol=1e-6)
  # ConvClassifier(cosine_head=True) ends in it; the evaluation classifier's model keeps its Dense head.
  shapes = lambda cosine: jax.eval_shape(clf.ConvClassifier(3, 4, 8, cosine_head=cosine).init,
                                         jax.random.PRNGKey(0), jnp.zeros((1, 8, 8, 1)))['params']
  assert 'CosineDense_0' in shapes(True) and 'Dense_1' not in shapes(True)
  assert 'Dense_1' in shapes(False) and 'CosineDense_0' not in shapes(False)
