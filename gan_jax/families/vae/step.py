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


def train_step(state: VaeState, batch: Dict[str, jax.Array], rng: jax.Array, *, vae, likelihood: vo.Likelihood,
               tx: optax.GradientTransformation, schedule: Callable, fixed_scale: float, beta: float,
               kl_warmup_steps: int, ema_decay: float, conditional: bool) -> Tuple[VaeState, Dict[str, jax.Array]]:
  """batch['image']: float32 [B, *example_shape] in [-1, 1] (batch['label'] int32 [B] when conditional).
  Minimises mean_B(-log p(x|z) + kl_weight * KL(q(z|x) || p(z))), one z = mean + std * eps per example with
  eps from fold_in(rng, state.step). Metrics (float32 scalars): loss, neg_elbo (nats/image, kl weight 1),
  bits_per_dim, recon_nll, kl, kl_weight, grad_norm, lr."""
  x = batch['image']
  labels = batch['label'] if conditional else None
  eps = jax.random.normal(jax.random.fold_in(rng, state.step), (x.shape[0], vae.latent_dim), jnp.float32)
  weight = vo.kl_weight(state.step, beta, kl_warmup_steps)

  def objective(params):
    (out, mean, log_var), updates = vae.apply({'params': params, 'batch_stats': state.batch_stats}, x, labels,
                                              eps, train=True, mutable=['batch_stats'])
    log_lik = likelihood.log_prob(vo.to_unit(x), out, likelihood_scale(params, fixed_scale))
    kl = vo.gaussian_kl(mean, log_var)
    return jnp.mean(-log_lik + weight * kl), (log_lik, kl, updates.get('batch_stats', {}))

  (loss, (log_lik, kl, batch_stats)), grads = jax.value_and_grad(objective, has_aux=True)(state.params)
  updates, opt_state = tx.update(grads, state.opt_state, state.params)
  params = optax.apply_updates(state.params, updates)
  new_state = state.replace(step=state.step + 1, params=params, batch_stats=batch_stats, opt_state=opt_state,
                            ema_params=ema_update(state.ema_params, params, ema_decay))
  neg_elbo = jnp.mean(kl - log_lik)
  dims = x[0].size
  metrics = {'loss': loss, 'neg_elbo': neg_elbo, 'bits_per_dim': vo.bits_per_dim(neg_elbo, dims),
             'recon_nll': -jnp.mean(log_lik), 'kl': jnp.mean(kl), 'kl_weight': weight,
             'grad_norm': optax.tree.norm(grads), 'lr': schedule(state.step)}
  return new_state, {k: jnp.asarray(v, jnp.float32) for k, v in metrics.items()}
