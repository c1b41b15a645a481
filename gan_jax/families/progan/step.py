"""One ProGAN training step of a phase: a D update, then a G update, as a pure function.

As the reference (train.py, loss.py): reals are shown at the phase's resolution, box-filtered down from the
data and, during a fade, blended with their own 2x coarser version (alpha * x + (1 - alpha) * up2(pool2(x)),
the reference's process_reals), so D sees reals exactly as blurred as G's blended output can be. D's loss is
the configured loss (WGAN: fake - real) plus loss.gp_weight * the gradient penalty (WGAN-GP) plus
progan.drift * mean(real logits ** 2) (the paper's drift term), and R1 if set; G's update draws its own
latents (the reference runs G's loss with fresh latents) through the updated D. The EMA generator follows
G after every step.

The loop reads train.batch_size rows per step; a resolution with a smaller batch (progan.batch_sizes) uses
every k-th row (k = train.batch_size / its batch), so each device keeps its own rows.
"""

from typing import Callable, Dict, Tuple

import jax
import jax.numpy as jnp
import optax

from gan_jax.core.ema import ema_update
from gan_jax.families.gan.losses import add_penalties
from gan_jax.families.progan.schedule import PhaseSpec, traced_alpha
from gan_jax.families.progan.state import ProganState
from gan_jax.models.progan import downsample, upsample

Metrics = Dict[str, jax.Array]


def reals_at(x: jax.Array, resolution: int, fading: bool, alpha) -> jax.Array:
  """Real images [N, S, S, C] as a phase shows them: box-filtered to `resolution`, and during a fade
  alpha * x + (1 - alpha) * up2(pool2(x)) (a fade starts from reals as coarse as the previous phase's)."""
  x = downsample(x.astype(jnp.float32), x.shape[1] // resolution)
  if fading:
    x = alpha * x + (1.0 - alpha) * upsample(downsample(x))
  return x


def phase_rows(x: jax.Array, batch_size: int) -> jax.Array:
  """Rows 0, k, 2k, ... of x [B, ...] (k = B / batch_size): a phase's batch out of the loop's rows; under
  data-parallel sharding each device's block of B / devices rows holds batch_size / devices of them."""
  k = x.shape[0] // batch_size
  if k == 1:
    return x
  return x.reshape(batch_size, k, *x.shape[1:])[:, 0]


def train_step(state: ProganState, batch: Dict[str, jax.Array], rng: jax.Array, *, spec: PhaseSpec, generator,
               discriminator, loss, g_tx: optax.GradientTransformation, d_tx: optax.GradientTransformation,
               latent_dim: int, gp_weight: float = 0.0, r1_weight: float = 0.0, drift: float = 0.0,
               gradient_penalty: Callable = None, r1_penalty: Callable = None, ema_decay: float = 0.0,
               ema_start_step: int = 0) -> Tuple[ProganState, Metrics]:
  """batch['image']: float32 [train.batch_size, S, S, C] in [-1, 1]; rng: the run's base key (this step
  draws from fold_in(rng, state.step)). Returns the state after one D and one G update and scalar metrics:
  d_loss (total), d_loss_adv, g_loss, d_real_logit, d_fake_logit, gradient_penalty / drift_penalty /
  r1_penalty when on, g_grad_norm, d_grad_norm, alpha, resolution."""
  alpha = traced_alpha(spec, state.step)
  apply_g = lambda params, z: generator.apply({'params': params}, z, alpha, resolution=spec.resolution,
                                              fading=spec.fading)
  apply_d = lambda params, x: discriminator.apply({'params': params}, x, alpha, resolution=spec.resolution,
                                                  fading=spec.fading)
  reals = reals_at(phase_rows(batch['image'], spec.batch_size), spec.resolution, spec.fading, alpha)
  d_key, penalty_key, g_key = jax.random.split(jax.random.fold_in(rng, state.step), 3)
  fakes = jax.lax.stop_gradient(apply_g(state.g_params, jax.random.normal(d_key, (spec.batch_size, latent_dim))))

  def d_objective(d_params):
    real_logits, fake_logits = apply_d(d_params, reals), apply_d(d_params, fakes)
    adversarial = loss.d_loss(real_logits, fake_logits)
    aux = {'d_loss_adv': adversarial, 'd_real_logit': jnp.mean(real_logits),
           'd_fake_logit': jnp.mean(fake_logits)}
    total, aux = add_penalties(adversarial, aux, lambda x: apply_d(d_params, x), reals, fakes, penalty_key,
                               gp_weight=gp_weight, r1_weight=r1_weight, gradient_penalty=gradient_penalty,
                               r1_penalty=r1_penalty)
    if drift > 0:
      aux['drift_penalty'] = jnp.mean(jnp.square(real_logits))
      total = total + drift * aux['drift_penalty']
    return total, aux

  (d_loss, d_aux), d_grads = jax.value_and_grad(d_objective, has_aux=True)(state.d_params)
  d_updates, d_opt_state = d_tx.update(d_grads, state.d_opt_state, state.d_params)
  d_params = optax.apply_updates(state.d_params, d_updates)

  def g_objective(g_params):
    fake_logits = apply_d(d_params, apply_g(g_params, jax.random.normal(g_key, (spec.batch_size, latent_dim))))
    return loss.g_loss(fake_logits)

  g_loss, g_grads = jax.value_and_grad(g_objective)(state.g_params)
  g_updates, g_opt_state = g_tx.update(g_grads, state.g_opt_state, state.g_params)
  g_params = optax.apply_updates(state.g_params, g_updates)

  new_state = state.replace(
      step=state.step + 1, g_params=g_params, d_params=d_params, g_opt_state=g_opt_state,
      d_opt_state=d_opt_state,
      ema_params=ema_update(state.ema_params, g_params, ema_decay, state.step, ema_start_step))
  metrics = {'d_loss': d_loss, 'g_loss': g_loss, **d_aux, 'g_grad_norm': optax.tree.norm(g_grads),
             'd_grad_norm': optax.tree.norm(d_grads), 'alpha': alpha, 'resolution': spec.resolution}
  return new_state, {k: jnp.asarray(v, jnp.float32) for k, v in metrics.items()}
