"""Exponential moving average of G's parameters (config.ema.decay; 0 = off; config.ema.start_step)."""

from typing import Optional

import jax
import jax.numpy as jnp


def ema_update(ema_params, params, decay: float, step: Optional[jax.Array] = None, start_step: int = 0):
  """ema <- decay * ema + (1 - decay) * params, leaf by leaf; `params` itself while step < start_step.

  `decay` and `start_step` are Python numbers bound at trace time; decay 0 returns `params` itself, so with
  EMA off sampling from the "EMA" params is sampling from G (one code path for sampling and evaluation).
  step: the number of updates done before this one (an int32 scalar, needed when start_step > 0). Holding
  the average at G until start_step (compare_gan's ema_start_step) keeps the early, fast-moving weights out
  of it. start_step 0 computes exactly what the plain average does.
  """
  if decay == 0.0:
    return params
  averaged = jax.tree.map(lambda e, p: decay * e + (1.0 - decay) * p, ema_params, params)
  if start_step <= 0:
    return averaged
  before = jnp.asarray(step) < start_step
  return jax.tree.map(lambda a, p: jnp.where(before, p, a), averaged, params)
