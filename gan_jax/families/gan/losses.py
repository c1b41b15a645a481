"""GAN losses on discriminator logits, and gradient regularisers. Selected by `config.loss.name`.

Every loss takes raw logits (float32 [N]) and returns a float32 scalar; losses are minimised by the
player they belong to. Sigmoid-based losses use softplus/log-sigmoid forms, never log(sigmoid(x)),
so they stay finite for any logit. With sigma = sigmoid:

  non_saturating  D: -log sigma(real) - log(1 - sigma(fake))   G: -log sigma(fake)
  minimax         D: as non_saturating                         G: log(1 - sigma(fake))
  hinge           D: relu(1 - real) + relu(1 + fake)           G: -fake
  least_squares   D: 0.5 (real - 1)^2 + 0.5 fake^2             G: 0.5 (fake - 1)^2   (LSGAN a=0, b=c=1)
  wasserstein     D: fake - real                               G: -fake

(each term averaged over its batch). The D loss is the SUM of its real and fake terms, as in
Goodfellow et al. and most libraries; the seed averaged them ((real + fake) / 2), which halves D's
gradient. Under Adam that scale barely matters (it is normalised away), but logged D losses are 2x the
seed's. The seed's Sigmoid + BCELoss equals `non_saturating` on logits.
"""

from typing import Any, Callable, Dict, NamedTuple, Tuple

import jax
import jax.numpy as jnp

from gan_jax.core.errors import ConfigError
from gan_jax.core.registry import Registry

Array = jax.Array


class GanLoss(NamedTuple):
  d_loss: Callable[[Array, Array], Array]   # (real_logits, fake_logits) -> scalar
  g_loss: Callable[[Array], Array]          # fake_logits -> scalar


LOSSES = Registry('loss', 'loss.name')


def _mean(x: Array) -> Array:
  return jnp.mean(x.astype(jnp.float32))


def _bce_d_loss(real: Array, fake: Array) -> Array:
  # -log sigma(r) = softplus(-r); -log(1 - sigma(f)) = softplus(f)
  return _mean(jax.nn.softplus(-real.astype(jnp.float32))) + _mean(
      jax.nn.softplus(fake.astype(jnp.float32)))


LOSSES.register('non_saturating')(GanLoss(
    d_loss=_bce_d_loss,
    g_loss=lambda fake: _mean(jax.nn.softplus(-fake.astype(jnp.float32)))))

LOSSES.register('minimax')(GanLoss(
    d_loss=_bce_d_loss,
    g_loss=lambda fake: -_mean(jax.nn.softplus(fake.astype(jnp.float32)))))   # log(1 - sigma(f))

LOSSES.register('hinge')(GanLoss(
    d_loss=lambda real, fake: _mean(jax.nn.relu(1 - real)) + _mean(jax.nn.relu(1 + fake)),
    g_loss=lambda fake: -_mean(fake)))

LOSSES.register('least_squares')(GanLoss(
    d_loss=lambda real, fake: 0.5 * _mean(jnp.square(real - 1)) + 0.5 * _mean(jnp.square(fake)),
    g_loss=lambda fake: 0.5 * _mean(jnp.square(fake - 1))))

LOSSES.register('wasserstein')(GanLoss(
    d_loss=lambda real, fake: _mean(fake) - _mean(real),
    g_loss=lambda fake: -_mean(fake)))


def _per_logit_grad_norms_sq(d_fn: Callable[[Array], Array], x: Array) -> Array:
  """||d logit_i / d x||^2 for each logit i, float32 [L].

  A packed D (config.model.pack = m) gives L = B / m logits, each depending on m consecutive
  examples; its gradient is taken over that whole group, so the norm is per logit, not per example.
  Computed as the gradient of sum(logits), which is exact when logits do not interact; a D with
  train-mode BatchNorm couples the batch, and this is then the usual gradient-of-the-sum estimate.
  """
  logits, vjp = jax.vjp(d_fn, x)
  (grads,) = vjp(jnp.ones_like(logits))   # logit i depends only on its own group
  grads = grads.astype(jnp.float32).reshape(logits.shape[0], -1)
  return jnp.sum(jnp.square(grads), axis=-1)


def gradient_penalty(d_fn: Callable[[Array], Array], real: Array, fake: Array, rng: Array) -> Array:
  """WGAN-GP (Gulrajani et al., 2017): mean_i (||grad_x d_fn(x_hat)_i||_2 - 1)^2.

  x_hat = eps * real + (1 - eps) * fake with eps ~ U[0, 1] per example. d_fn: x [B, ...] -> logits
  [L] must be a pure function (e.g. D applied in train mode with its batch stats not updated).
  Returns the unweighted float32 scalar; the caller multiplies by `config.loss.gp_weight`.
  """
  real = real.astype(jnp.float32)
  eps = jax.random.uniform(rng, (real.shape[0],) + (1,) * (real.ndim - 1))
  x_hat = eps * real + (1 - eps) * jax.lax.stop_gradient(fake).astype(jnp.float32)
  norms = jnp.sqrt(_per_logit_grad_norms_sq(d_fn, x_hat) + 1e-12)   # eps: finite grad at 0
  return jnp.mean(jnp.square(norms - 1))


def r1_penalty(d_fn: Callable[[Array], Array], real: Array) -> Array:
  """R1 (Mescheder et al., 2018): mean_i ||grad_x d_fn(real)_i||_2^2, float32 scalar, unweighted.

  The usual weighting is gamma / 2 * r1_penalty; the caller multiplies by `config.loss.r1_weight`
  (so r1_weight plays the role of gamma / 2).
  """
  return jnp.mean(_per_logit_grad_norms_sq(d_fn, real.astype(jnp.float32)))


def add_penalties(total: Array, aux: Dict[str, Array], d_fn: Callable[[Array], Array], real: Array, fake: Array,
                  rng: Array, *, gp_weight: float = 0.0, r1_weight: float = 0.0,
                  gradient_penalty: Callable = gradient_penalty, r1_penalty: Callable = r1_penalty
                  ) -> Tuple[Array, Dict[str, Array]]:
  """D's loss `total` + gp_weight * gradient_penalty(d_fn, real, fake, rng) + r1_weight * r1_penalty(d_fn,
  real), each computed only when its weight is > 0 and recorded unweighted in `aux` (in place, as
  'gradient_penalty' / 'r1_penalty') -> (total, aux). Every family's D objective adds its penalties here."""
  if gp_weight > 0:
    aux['gradient_penalty'] = gradient_penalty(d_fn, real, fake, rng)
    total = total + gp_weight * aux['gradient_penalty']
  if r1_weight > 0:
    aux['r1_penalty'] = r1_penalty(d_fn, real)
    total = total + r1_weight * aux['r1_penalty']
  return total, aux


def classification_loss(class_logits: Array, labels: Array) -> Array:
  """AC-GAN's auxiliary loss: mean softmax cross-entropy of class_logits [N, K] against int labels [N]."""
  log_probs = jax.nn.log_softmax(class_logits.astype(jnp.float32), axis=-1)
  return -jnp.mean(jnp.take_along_axis(log_probs, labels[:, None].astype(jnp.int32), axis=-1))


def d2d_cross_entropy(embed: Array, proxy: Array, labels: Array, temperature: float = 0.5,
                      margin: float = 0.98) -> Array:
  """ReACGAN's data-to-data cross-entropy (Kang et al. 2021, eq. 5), mean over the batch.

  embed, proxy: float [N, E], L2-normalised (D's embedding of each image and the proxy of its label);
  labels int [N]. For sample i with p_i = min(<e_i, v_i> - m_p, 0) / T and, for every other sample j of
  another class, n_ij = max(<e_i, e_j> - (1 - m_p), 0) / T:
      loss_i = -p_i + log(exp(p_i) + sum_j exp(n_ij))
  (the margins as StudioGAN's code sets them: m_p = margin, negatives above cosine 1 - m_p). Computed with
  an exact logsumexp; StudioGAN's version shifts only the negatives by their maximum.
  """
  embed, proxy = embed.astype(jnp.float32), proxy.astype(jnp.float32)
  positive = jnp.minimum(jnp.sum(embed * proxy, axis=-1) - margin, 0.0) / temperature            # [N]
  negative = jax.nn.relu(embed @ embed.T - (1.0 - margin)) / temperature                        # [N, N]
  other_class = labels[:, None] != labels[None, :]   # false negatives (same class) and i itself removed
  logits = jnp.concatenate([positive[:, None], jnp.where(other_class, negative, -jnp.inf)], axis=1)
  return jnp.mean(jax.nn.logsumexp(logits, axis=1) - positive)


# model.conditional -> (config.loss -> the loss of D's class-aware head: (head output, int labels [N]) -> scalar).
AUX_CLASS_LOSSES = {
    'acgan': lambda loss_config: classification_loss,
    'reacgan': lambda loss_config: lambda out, labels: d2d_cross_entropy(
        out['embed'], out['proxy'], labels, loss_config.d2d_temperature, loss_config.d2d_margin),
}


def init_lecam_anchors() -> Dict[str, Array]:
  """LeCam's EMA anchors: biased EMAs of D's mean logit on reals and fakes, and how many updates they had."""
  return {'real': jnp.zeros((), jnp.float32), 'fake': jnp.zeros((), jnp.float32),
          'updates': jnp.zeros((), jnp.int32)}


def update_lecam_anchors(anchors: Dict[str, Array], real_logits: Array, fake_logits: Array,
                         decay: float) -> Dict[str, Array]:
  """One EMA update with this batch's (gradient-stopped) mean logits; see `lecam_anchor_values`."""
  mean = lambda x: jax.lax.stop_gradient(jnp.mean(x.astype(jnp.float32)))
  return {'real': decay * anchors['real'] + (1 - decay) * mean(real_logits),
          'fake': decay * anchors['fake'] + (1 - decay) * mean(fake_logits),
          'updates': anchors['updates'] + 1}


def lecam_anchor_values(anchors: Dict[str, Array], decay: float) -> Tuple[Array, Array]:
  """(alpha_R, alpha_F): the zero-debiased EMAs, ema / (1 - decay^updates) (as the reference's
  assign_moving_average(..., zero_debias=True)); 0 before the first update."""
  correction = 1 - jnp.power(jnp.float32(decay), anchors['updates'].astype(jnp.float32))
  safe = jnp.where(anchors['updates'] > 0, correction, 1.0)
  return anchors['real'] / safe, anchors['fake'] / safe


def lecam_penalty(real_logits: Array, fake_logits: Array, alpha_real: Array, alpha_fake: Array) -> Array:
  """LeCam (Tseng et al. 2021), as google/lecam-gan computes it:
  mean(relu(D(x) - alpha_F)^2) + mean(relu(alpha_R - D(G(z)))^2), float32 scalar, unweighted (the
  caller multiplies by `config.loss.lecam_weight`). The paper writes the squares without the relu."""
  real, fake = real_logits.astype(jnp.float32), fake_logits.astype(jnp.float32)
  return (jnp.mean(jnp.square(jax.nn.relu(real - alpha_fake)))
          + jnp.mean(jnp.square(jax.nn.relu(alpha_real - fake))))


def validate_loss_config(config: Any) -> None:
  """Raises ConfigError (one line naming the key) for a bad `config.loss` section."""
  loss = config.loss
  LOSSES.get(loss.name)
  for key in ('gp_weight', 'r1_weight', 'ac_weight', 'ac_fake_weight', 'lecam_weight'):
    value = loss[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < float('inf'):
      raise ConfigError(f'loss.{key}={value!r} must be a finite number >= 0 (0 = off)')
  temperature, margin = loss.d2d_temperature, loss.d2d_margin
  if isinstance(temperature, bool) or not isinstance(temperature, (int, float)) or not 0 < temperature < float('inf'):
    raise ConfigError(f'loss.d2d_temperature={temperature!r} must be a number > 0 (reacgan; published 0.5)')
  if isinstance(margin, bool) or not isinstance(margin, (int, float)) or not 0 <= margin <= 1:
    raise ConfigError(f'loss.d2d_margin={margin!r} must be a number in [0, 1] (reacgan; published 0.98)')
  decay = loss.lecam_decay
  if isinstance(decay, bool) or not isinstance(decay, (int, float)) or not 0 <= decay < 1:
    raise ConfigError(f'loss.lecam_decay={decay!r} must be a number in [0, 1) (EMA decay of the LeCam anchors)')
  n_critic = loss.n_critic
  if isinstance(n_critic, bool) or not isinstance(n_critic, int) or n_critic < 1:
    raise ConfigError(f'loss.n_critic={n_critic!r} must be an integer >= 1')
