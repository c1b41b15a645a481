"""The VAE family's training state: one pytree, and how to create it."""

from typing import Any, Sequence

import flax
import jax
import jax.numpy as jnp
import optax


@flax.struct.dataclass
class VaeState:
  """step: int32 updates done (also the data position); rng: uint32 [2] base key, step k draws from
  fold_in(rng, k); params / batch_stats: the whole VAE (encoder, decoder, learned likelihood scale);
  ema_params: EMA of params (equal to params when ema.decay == 0), used for sampling and evaluation."""
  step: jax.Array
  params: Any
  batch_stats: Any
  opt_state: optax.OptState
  ema_params: Any
  rng: jax.Array


def init_vae_state(seed: int, *, vae, tx: optax.GradientTransformation, example_shape: Sequence[int],
                   conditional: bool) -> VaeState:
  """Initialises the VAE from `seed` (pure: trace it under jax.jit with replicated out_shardings)."""
  params_key, run_key = jax.random.split(jax.random.PRNGKey(seed))
  x = jnp.zeros((1, *example_shape), jnp.float32)
  labels = jnp.zeros((1,), jnp.int32) if conditional else None
  variables = vae.init({'params': params_key}, x, labels, jnp.zeros((1, vae.latent_dim), jnp.float32),
                       train=False)
  params = variables['params']
  return VaeState(step=jnp.zeros((), jnp.int32), params=params, batch_stats=variables.get('batch_stats', {}),
                  opt_state=tx.init(params), ema_params=params, rng=run_key)
