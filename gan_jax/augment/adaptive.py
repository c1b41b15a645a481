"""ADA's controller of the augmentation probability p, as pure functions on a small dict in the train state.

  ada = init_ada_state(p0)                  # {'p', 'r_t', 'sign_sum', 'sign_count'}, float32/int32 scalars
  ada = accumulate_signs(ada, real_logits)  # after every D evaluation of (augmented) reals
  ada = adjust_p(ada, step, ...)            # at the end of G step `step` (0-based)

Every `interval` steps, r_t = E[sign(D(real))] over the logits accumulated since the last adjustment, and
p <- max(0, p + sign(r_t - target) * batch * interval / (kimg * 1000)) (StyleGAN2-ADA, training_loop.py;
no upper clip there either: p > 1 applies every op). The reference adjusts after its very first batch
and then every `interval` batches; here after steps interval-1, 2*interval-1, ..., each over exactly
`interval` steps' logits.
"""

from typing import Dict, NamedTuple

import jax
import jax.numpy as jnp

AdaState = Dict[str, jax.Array]


class AdaSettings(NamedTuple):
  """The controller's hyperparameters (config.gan_aug); adaptive=False tracks r_t but keeps p fixed."""
  target: float = 0.6
  interval: int = 4
  kimg: float = 500.0
  adaptive: bool = True


def init_ada_state(p: float = 0.0) -> AdaState:
  return {'p': jnp.asarray(p, jnp.float32), 'r_t': jnp.zeros((), jnp.float32),
          'sign_sum': jnp.zeros((), jnp.float32), 'sign_count': jnp.zeros((), jnp.int32)}


def accumulate_signs(ada: AdaState, real_logits: jax.Array) -> AdaState:
  signs = jnp.sign(real_logits.astype(jnp.float32))
  return {**ada, 'sign_sum': ada['sign_sum'] + jnp.sum(signs),
          'sign_count': ada['sign_count'] + jnp.asarray(signs.size, jnp.int32)}


def p_increment(batch_size: int, interval: int, kimg: float) -> float:
  """How far one adjustment moves p."""
  return batch_size * interval / (kimg * 1000)


def adjust_p(ada: AdaState, step: jax.Array, *, target: float, interval: int, batch_size: int,
             kimg: float, adaptive: bool = True) -> AdaState:
  """After G step `step` (0-based): every `interval`-th step, r_t from the accumulated signs, p moved
  towards making r_t = target (only when `adaptive`), accumulators reset. Otherwise unchanged."""
  due = (step + 1) % interval == 0
  r_t = ada['sign_sum'] / jnp.maximum(ada['sign_count'], 1).astype(jnp.float32)
  p = ada['p']
  if adaptive:
    moved = p + jnp.sign(r_t - target) * p_increment(batch_size, interval, kimg)
    p = jnp.where(due, jnp.maximum(moved, 0.0), p)
  return {'p': p.astype(jnp.float32), 'r_t': jnp.where(due, r_t, ada['r_t']),
          'sign_sum': jnp.where(due, 0.0, ada['sign_sum']),
          'sign_count': jnp.where(due, 0, ada['sign_count']).astype(jnp.int32)}
