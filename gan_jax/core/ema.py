"""Exponential moving average of G's parameters (config.ema.decay; 0 = off)."""

import jax


def ema_update(ema_params, params, decay: float):
  """ema <- decay * ema + (1 - decay) * params, leaf by leaf.

  `decay` is a Python float bound at trace time; 0 returns `params` itself, so with EMA off sampling from
  the "EMA" params is sampling from G (one code path for sampling and evaluation).
  """
  if decay == 0.0:
    return params
  return jax.tree.map(lambda e, p: decay * e + (1.0 - decay) * p, ema_params, params)
