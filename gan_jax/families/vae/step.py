"""The VAE family's training step, a pure function: one Adam update on the (beta-weighted) negative ELBO.

Bind everything but (state, batch, rng) with functools.partial and jit it (gan_jax.families.vae.trainer).
"""

from typing import Callable, Dict, Optional, Tuple

import jax
import jax.numpy as jnp
import optax

from gan_jax.core.ema import ema_update
from gan_jax.families.vae import objective as vo
from gan_jax.families.vae.state import VaeState


def likelihood_scale(params, fixed_scale: float) -> Optional[jax.Array]:
  """The Gaussian likelihood's std: learned (params['log_scale'], per channel) or the fixed value."""
  if 'log_scale' in params:
    return jnp.exp(params['log_scale'])
  return jnp.asarray(fixed_scale, jnp.float32)


def model_input(data: jax.Array) -> jax.Array:
  """The modelled data in [0, 1] -> what the encoder reads, [-1, 1] like the images it replaces."""
  return vo.from_unit(data)


def train_step(state: VaeState, batch: Dict[str, jax.Array], rng: jax.Array, *, vae, likelihood: vo.Likelihood,
               tx: optax.GradientTransformation, schedule: Callable, fixed_scale: float, beta: float,
               kl_warmup_steps: int, ema_decay: float, conditional: bool,
               ema_start_step: int = 0) -> Tuple[VaeState, Dict[str, jax.Array]]:
  """batch['image']: float32 [B, *example_shape] in [-1, 1] of 8-bit pixels (batch['label'] int32 [B] when
  conditional). With key = fold_in(rng, state.step): the batch becomes the likelihood's data (binarised or
  dequantised with fresh noise), which the encoder reads and the likelihood scores; minimises
  mean_B(-log P(data|z) + kl_weight * KL(q(z|data) || p(z))), one z = mean + std * eps per example.
  Metrics (float32 scalars): loss, neg_elbo (nats/image of the batch's discrete data, kl weight 1),
  bits_per_dim, recon_nll, kl, kl_weight, grad_norm, lr."""
  x = batch['image']
  labels = batch['label'] if conditional else None
  eps_key, data_key = jax.random.split(jax.random.fold_in(rng, state.step))
  eps = jax.random.normal(eps_key, (x.shape[0], vae.latent_dim), jnp.float32)
  data = likelihood.discretize(x, jax.random.uniform(data_key, x.shape, jnp.float32))
  weight = vo.kl_weight(state.step, beta, kl_warmup_steps)

  def objective(params):
    (out, mean, log_var), updates = vae.apply({'params': params, 'batch_stats': state.batch_stats},
                                              model_input(data), labels, eps, train=True, mutable=['batch_stats'])
    log_lik = likelihood.log_prob(data, out, likelihood_scale(params, fixed_scale))
    kl = vo.gaussian_kl(mean, log_var)
    return jnp.mean(-log_lik + weight * kl), (log_lik, kl, updates.get('batch_stats', {}))

  (loss, (log_lik, kl, batch_stats)), grads = jax.value_and_grad(objective, has_aux=True)(state.params)
  updates, opt_state = tx.update(grads, state.opt_state, state.params)
  params = optax.apply_updates(state.params, updates)
  new_state = state.replace(step=state.step + 1, params=params, batch_stats=batch_stats, opt_state=opt_state,
                            ema_params=ema_update(state.ema_params, params, ema_decay, state.step, ema_start_step))
  neg_elbo = jnp.mean(kl - log_lik)
  dims = x[0].size
  metrics = {'loss': loss, 'neg_elbo': neg_elbo, 'bits_per_dim': vo.bits_per_dim(neg_elbo, dims),
             'recon_nll': -jnp.mean(log_lik), 'kl': jnp.mean(kl), 'kl_weight': weight,
             'grad_norm': optax.tree.norm(grads), 'lr': schedule(state.step)}
  return new_state, {k: jnp.asarray(v, jnp.float32) for k, v in metrics.items()}
