"""CycleGAN's training state: both generators, both discriminators, their Adams and both image pools, one pytree.

Names as the directions they map: g_params['ab'] is G: a -> b, g_params['ba'] is F: b -> a; d_params['b']
judges domain b (real b against G(a)), d_params['a'] domain a. One Adam over both generators and one over
both discriminators, as the reference's optimizer_G / optimizer_D (itertools.chain of the two networks).
The pools hold past fakes of each domain (pool_a: F(b), pool_b: G(a)) and how many are stored; they are
checkpointed with the rest, so a resumed run shows D the fakes an uninterrupted run does.
"""

from typing import Any, Sequence

import flax
import jax
import jax.numpy as jnp
import optax


@flax.struct.dataclass
class CycleState:
  """step: int32 updates done (the data position); rng: uint32 [2], step k draws from fold_in(rng, k)."""
  step: jax.Array
  g_params: Any
  d_params: Any
  g_opt_state: optax.OptState
  d_opt_state: optax.OptState
  pool_a: jax.Array       # float32 [pool_size, H, W, C]: past F(b)
  pool_b: jax.Array       # float32 [pool_size, H, W, C]: past G(a)
  pool_count: jax.Array   # int32 []: images stored in each pool (both fill at the same rate)
  rng: jax.Array


def init_state(seed: int, *, generator, discriminator, example_shape: Sequence[int], pool_size: int,
               g_tx: optax.GradientTransformation, d_tx: optax.GradientTransformation) -> CycleState:
  """The state at step 0, a pure function of `seed`."""
  keys = jax.random.split(jax.random.PRNGKey(seed), 5)
  x = jnp.zeros((1, *example_shape), jnp.float32)
  g = {'ab': generator.init(keys[0], x)['params'], 'ba': generator.init(keys[1], x)['params']}
  d = {'a': discriminator.init(keys[2], x)['params'], 'b': discriminator.init(keys[3], x)['params']}
  empty = jnp.zeros((pool_size, *example_shape), jnp.float32)
  return CycleState(step=jnp.zeros((), jnp.int32), g_params=g, d_params=d, g_opt_state=g_tx.init(g),
                    d_opt_state=d_tx.init(d), pool_a=empty, pool_b=empty, pool_count=jnp.zeros((), jnp.int32),
                    rng=keys[4])
