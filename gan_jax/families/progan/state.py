"""ProGAN's training state: one pytree whose networks are those of its phase, and how it grows.

All layers of every resolution are drawn once from the seed (`init_layers`), as the reference builds its
networks whole at the start; a phase's state holds the subset its networks use (models.progan.layer_names).
Entering a phase (`grow`) adds the layers that start being used (from that same draw, also into the EMA
generator, as the reference's EMA copy holds the initial values of layers not trained yet), drops the
ones no longer used (the old to_rgb / from_rgb once a fade is over) and restarts both Adam optimisers,
as the reference does whenever the level of detail changes (reset_opt_for_new_lod: at the start and at
the end of every fade). So the state after a boundary is a pure function of the state before it.
"""

from typing import Any, Dict, Sequence, Tuple

import flax
import jax
import jax.numpy as jnp
import optax

from gan_jax.models.progan import init_params


@flax.struct.dataclass
class ProganState:
  """step: int32 G updates done (the data position); rng: uint32 [2] base key, step k draws from
  fold_in(rng, k); g_params / d_params: the phase's layers by name; ema_params: EMA of g_params (sampled
  and evaluated); g_opt_state / d_opt_state: Adam, restarted at every phase boundary."""
  step: jax.Array
  g_params: Any
  d_params: Any
  g_opt_state: optax.OptState
  d_opt_state: optax.OptState
  ema_params: Any
  rng: jax.Array


def init_layers(seed: int, *, generator, discriminator, latent_dim: int,
                example_shape: Sequence[int]) -> Tuple[Dict, Dict, jax.Array]:
  """(every layer of G, every layer of D, the run's base key), drawn from `seed` (pure)."""
  g_key, d_key, run_key = jax.random.split(jax.random.PRNGKey(seed), 3)
  g_all = init_params(generator, g_key, jnp.zeros((1, latent_dim), jnp.float32), every_layer=True)
  d_all = init_params(discriminator, d_key, jnp.zeros((1, *example_shape), jnp.float32), every_layer=True)
  return dict(g_all), dict(d_all), run_key


def phase_state(layers: Tuple[Dict, Dict, jax.Array], *, g_layers: Sequence[str], d_layers: Sequence[str],
                g_tx: optax.GradientTransformation, d_tx: optax.GradientTransformation) -> ProganState:
  """A fresh state (step 0) with the layers of a phase out of `init_layers`'s (pure)."""
  g_all, d_all, run_key = layers
  g = {name: g_all[name] for name in g_layers}
  d = {name: d_all[name] for name in d_layers}
  return ProganState(step=jnp.zeros((), jnp.int32), g_params=g, d_params=d, g_opt_state=g_tx.init(g),
                     d_opt_state=d_tx.init(d), ema_params=g, rng=run_key)


def grow(state: ProganState, layers: Tuple[Dict, Dict, jax.Array], *, g_layers: Sequence[str],
         d_layers: Sequence[str], g_tx: optax.GradientTransformation,
         d_tx: optax.GradientTransformation) -> ProganState:
  """The state with the layers of the next phase: kept ones as trained, new ones as `init_layers` drew them,
  Adam restarted for both networks (pure)."""
  g_all, d_all, _ = layers
  g = {name: state.g_params[name] if name in state.g_params else g_all[name] for name in g_layers}
  ema = {name: state.ema_params[name] if name in state.ema_params else g_all[name] for name in g_layers}
  d = {name: state.d_params[name] if name in state.d_params else d_all[name] for name in d_layers}
  return state.replace(g_params=g, d_params=d, ema_params=ema, g_opt_state=g_tx.init(g), d_opt_state=d_tx.init(d))
