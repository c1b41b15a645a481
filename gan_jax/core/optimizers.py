"""Optimisers for G and D: Adam with a learning-rate schedule and optional global-norm clipping.

Schedules are looked up by name in `SCHEDULES` (config.optim.schedule; constant, linear, cosine, warmup_cosine,
constant_then_linear). Every optimiser uses a schedule
*function*, even `constant`, so the optimiser-state tree has the same structure whatever the schedule and a
checkpoint stays restorable when only the schedule changes.
"""

from typing import Callable, Tuple

import jax.numpy as jnp
import ml_collections
import optax

from gan_jax.core.registry import Registry

SCHEDULES = Registry('learning-rate schedule', 'optim.schedule')


@SCHEDULES.register('constant')
def _constant(peak_lr: float, total_steps: int, warmup_steps: int) -> optax.Schedule:
  del total_steps
  return _with_warmup(optax.constant_schedule(peak_lr), peak_lr, warmup_steps)


@SCHEDULES.register('linear')
def _linear(peak_lr: float, total_steps: int, warmup_steps: int) -> optax.Schedule:
  decay = optax.linear_schedule(peak_lr, 0.0, max(total_steps - warmup_steps, 1))
  return _with_warmup(decay, peak_lr, warmup_steps)


@SCHEDULES.register('cosine')
def _cosine(peak_lr: float, total_steps: int, warmup_steps: int) -> optax.Schedule:
  decay = optax.cosine_decay_schedule(peak_lr, max(total_steps - warmup_steps, 1))
  return _with_warmup(decay, peak_lr, warmup_steps)


@SCHEDULES.register('warmup_cosine')
def _warmup_cosine(peak_lr: float, total_steps: int, warmup_steps: int) -> optax.Schedule:
  return optax.warmup_cosine_decay_schedule(0.0, peak_lr, warmup_steps, max(total_steps, warmup_steps + 1))


@SCHEDULES.register('constant_then_linear')
def _constant_then_linear(peak_lr: float, total_steps: int, warmup_steps: int) -> optax.Schedule:
  """CycleGAN's 'linear' policy (its n_epochs = n_epochs_decay): peak for the first half of the updates, then
  peak * (1 - (t - half) / (total - half + 1)) at update t, down to peak / (total - half + 1) at the last."""
  half = total_steps // 2
  decay = lambda t: peak_lr * (1.0 - jnp.maximum(t - half, 0) / (total_steps - half + 1))
  return _with_warmup(decay, peak_lr, warmup_steps)


def _with_warmup(schedule: optax.Schedule, peak_lr: float, warmup_steps: int) -> optax.Schedule:
  """Linear ramp 0 -> peak over `warmup_steps` updates, then `schedule` (0 = no ramp)."""
  if warmup_steps <= 0:
    return schedule
  ramp = optax.linear_schedule(0.0, peak_lr, warmup_steps)
  return optax.join_schedules([ramp, schedule], [warmup_steps])


def make_optimizer(optim: ml_collections.ConfigDict, peak_lr: float, total_updates: int,
                   warmup_updates: int) -> Tuple[optax.GradientTransformation, Callable]:
  """Adam(optim.b1, optim.b2) on the optim.schedule learning rate, preceded by global-norm clipping when
  optim.grad_clip > 0.

  Returns (transformation, schedule); schedule(update_count) is the learning rate, logged by the step.
  """
  schedule = SCHEDULES.get(optim.schedule)(peak_lr, total_updates, warmup_updates)
  adam = optax.adam(schedule, b1=optim.b1, b2=optim.b2)
  if optim.grad_clip > 0:
    return optax.chain(optax.clip_by_global_norm(optim.grad_clip), adam), schedule
  return adam, schedule


def make_gan_optimizers(config: ml_collections.ConfigDict):
  """(g_tx, g_schedule, d_tx, d_schedule). D makes loss.n_critic updates per G step, so its schedule
  runs over train.steps * n_critic updates; warmup_steps counts G steps for both."""
  n_critic = config.loss.n_critic
  optim, steps, warmup = config.optim, config.train.steps, config.optim.warmup_steps
  g_tx, g_schedule = make_optimizer(optim, optim.g_lr, steps, warmup)
  d_tx, d_schedule = make_optimizer(optim, optim.d_lr, steps * n_critic, warmup * n_critic)
  return g_tx, g_schedule, d_tx, d_schedule
