"""One CycleGAN training step as the reference's optimize_parameters, a pure function: both generators' update
(Ds fixed), then both discriminators' update on real images and pooled fakes of the generators before it.

  fakes:  G(a), F(b) from the generators before the update (the reference's forward())
  G step: ADVERSARIAL g terms through the current Ds + cycle + identity (objective.py) [+ low frequency, when
          low_frequency_weight > 0: not the reference's], one Adam over G and F
  pools:  G(a) into pool_b, F(b) into pool_a (pool.py); D is shown what the pool returns
  D step: d_loss(D_b(b), D_b(pooled G(a))) + d_loss(D_a(a), D_a(pooled F(b))), one Adam over D_a and D_b
Labels never enter: the batch is {'image': a [B, H, W, C], 'image_b': b [B, H, W, C]}, unpaired.
"""

from typing import Dict, Tuple

import jax
import jax.numpy as jnp
import optax

from gan_jax.families.cyclegan import objective, pool
from gan_jax.families.cyclegan.state import CycleState

Metrics = Dict[str, jax.Array]


def train_step(state: CycleState, batch: Dict[str, jax.Array], rng: jax.Array, *, generator, discriminator,
               adversarial: objective.Adversarial, g_tx: optax.GradientTransformation,
               d_tx: optax.GradientTransformation, cycle_weight: float, identity_weight: float,
               g_schedule, d_schedule, low_frequency_weight: float = 0.0,
               low_frequency_sigma: float = 2.0) -> Tuple[CycleState, Metrics]:
  """-> (state after one G and one D update, scalar float32 metrics: g_loss, g_adv_ab, g_adv_ba, cycle_a,
  cycle_b, identity_a, identity_b, [low_frequency_a, low_frequency_b,] d_loss, d_loss_a, d_loss_b, g_lr, d_lr,
  pool_count)."""
  a, b = batch['image'].astype(jnp.float32), batch['image_b'].astype(jnp.float32)
  gen = lambda params, x: generator.apply({'params': params}, x)
  dis = lambda params, x: discriminator.apply({'params': params}, x)
  pool_a_key, pool_b_key = jax.random.split(jax.random.fold_in(rng, state.step))

  def g_objective(g):
    fake_b, fake_a = gen(g['ab'], a), gen(g['ba'], b)
    terms = {'g_adv_ab': adversarial.g_term(dis(state.d_params['b'], fake_b)),
             'g_adv_ba': adversarial.g_term(dis(state.d_params['a'], fake_a)),
             'cycle_a': objective.cycle_loss(a, gen(g['ba'], fake_b), cycle_weight),
             'cycle_b': objective.cycle_loss(b, gen(g['ab'], fake_a), cycle_weight)}
    if identity_weight > 0:
      terms['identity_b'] = objective.identity_loss(b, gen(g['ab'], b), cycle_weight, identity_weight)
      terms['identity_a'] = objective.identity_loss(a, gen(g['ba'], a), cycle_weight, identity_weight)
    if low_frequency_weight > 0:
      terms['low_frequency_a'] = objective.low_frequency_loss(a, fake_b, low_frequency_weight, low_frequency_sigma)
      terms['low_frequency_b'] = objective.low_frequency_loss(b, fake_a, low_frequency_weight, low_frequency_sigma)
    return sum(terms.values()), (terms, fake_a, fake_b)

  (g_loss, (g_terms, fake_a, fake_b)), g_grads = jax.value_and_grad(g_objective, has_aux=True)(state.g_params)
  g_updates, g_opt_state = g_tx.update(g_grads, state.g_opt_state, state.g_params)
  g_params = optax.apply_updates(state.g_params, g_updates)

  shown_b, pool_b, count = pool.query(state.pool_b, state.pool_count, fake_b, pool_b_key)
  shown_a, pool_a, _ = pool.query(state.pool_a, state.pool_count, fake_a, pool_a_key)

  def d_objective(d):
    terms = {'d_loss_b': objective.d_loss(adversarial, dis(d['b'], b), dis(d['b'], shown_b)),
             'd_loss_a': objective.d_loss(adversarial, dis(d['a'], a), dis(d['a'], shown_a))}
    return sum(terms.values()), terms

  (d_loss, d_terms), d_grads = jax.value_and_grad(d_objective, has_aux=True)(state.d_params)
  d_updates, d_opt_state = d_tx.update(d_grads, state.d_opt_state, state.d_params)
  d_params = optax.apply_updates(state.d_params, d_updates)

  new_state = state.replace(step=state.step + 1, g_params=g_params, d_params=d_params, g_opt_state=g_opt_state,
                            d_opt_state=d_opt_state, pool_a=pool_a, pool_b=pool_b, pool_count=count)
  metrics = {'g_loss': g_loss, 'd_loss': d_loss, **g_terms, **d_terms, 'g_lr': g_schedule(state.step),
             'd_lr': d_schedule(state.step), 'pool_count': count}
  return new_state, {k: jnp.asarray(v, jnp.float32) for k, v in metrics.items()}
