"""The downstream classifier's long-tail losses (classifier.loss) and deferred re-weighting (classifier.drw_start).

  ce              softmax cross-entropy (weighted by the class weights when there are any)
  logit_adjusted  Menon et al. 2021 (the logit-adjusted loss): cross-entropy of f_y(x) + tau * log(pi_y), with
                  pi the train class prior (classifier.tau; 1 in the paper); predictions are argmax f(x)
  ldam            Cao et al. 2019 (LDAM): cross-entropy of s * (z - Delta_y at the true class), z the cosine
                  logits of a normalised head (their NormedLinear), Delta_j = C / n_j^(1/4) with C such that
                  the largest margin is LDAM_MAX_MARGIN = 0.5, and s = LDAM_SCALE = 30, as published
DRW (classifier.drw_start > 0): from that step on, the class weights are the effective-number weights of
Cui et al. 2019 with beta DRW_BETA = 0.9999 (Cao et al. 2019's deferred re-weighting), with any of the losses.

Counts are the train class counts the classifier learns from (after classifier.train_data and SMOTE); a
class without examples counts as one, so its prior and margin stay finite.
"""

from typing import Callable, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from gan_jax.core.registry import Registry
from gan_jax.metrics.classifier import weighted_cross_entropy

LOSSES = Registry('downstream classifier loss', 'classifier.loss')
LDAM_MAX_MARGIN = 0.5   # Cao et al. 2019, max_m
LDAM_SCALE = 30.0       # Cao et al. 2019, s
DRW_BETA = 0.9999       # Cao et al. 2019's DRW: effective-number weights with this beta


class Objective(NamedTuple):
  """loss(logits [B, K], labels int [B], weights float [K]) -> scalar; cosine_head: the model's logits are
  cosine similarities (ConvClassifier(cosine_head=True)); record: what the result file says about it."""
  loss: Callable
  cosine_head: bool
  record: dict


def log_prior(counts) -> np.ndarray:
  """float32 [K]: log(n_j / sum n), with n_j = max(n_j, 1)."""
  n = np.maximum(np.asarray(counts, np.float64), 1.0)
  return np.log(n / n.sum()).astype(np.float32)


def adjusted_logits(logits, counts, tau: float):
  """Menon et al.'s training logits: logits + tau * log prior (broadcast over the batch)."""
  return logits + tau * jnp.asarray(log_prior(counts))


def ldam_margins(counts, max_margin: float = LDAM_MAX_MARGIN) -> np.ndarray:
  """float32 [K]: Delta_j = C / n_j^(1/4), C chosen so that max_j Delta_j = max_margin (Cao et al. 2019)."""
  inverse_root = 1.0 / np.sqrt(np.sqrt(np.maximum(np.asarray(counts, np.float64), 1.0)))
  return (inverse_root * (max_margin / inverse_root.max())).astype(np.float32)


def ldam_logits(cosine_logits, labels, margins, scale: float = LDAM_SCALE):
  """s * (z - Delta_y one_hot(y)): the margin is taken off the true class's logit only."""
  one_hot = jax.nn.one_hot(labels, cosine_logits.shape[-1], dtype=cosine_logits.dtype)
  return scale * (cosine_logits - one_hot * jnp.asarray(margins)[labels][:, None])


@LOSSES.register('ce')
def _ce(counts, tau: float) -> Objective:
  del counts, tau
  return Objective(weighted_cross_entropy, False, {'name': 'ce'})


@LOSSES.register('logit_adjusted')
def _logit_adjusted(counts, tau: float) -> Objective:
  prior = log_prior(counts)
  loss = lambda logits, labels, weights: weighted_cross_entropy(logits + tau * jnp.asarray(prior), labels, weights)
  return Objective(loss, False, {'name': 'logit_adjusted', 'tau': float(tau), 'log_prior': prior.tolist()})


@LOSSES.register('ldam')
def _ldam(counts, tau: float) -> Objective:
  del tau
  margins = ldam_margins(counts)
  loss = lambda logits, labels, weights: weighted_cross_entropy(ldam_logits(logits, labels, margins), labels,
                                                                weights)
  return Objective(loss, True, {'name': 'ldam', 'margins': margins.tolist(), 'max_margin': LDAM_MAX_MARGIN,
                                'scale': LDAM_SCALE})


def objective(name: str, counts, tau: float = 1.0) -> Objective:
  """The classifier.loss objective for train class counts int [K]."""
  return LOSSES.get(name)(np.asarray(counts, np.int64), tau)
