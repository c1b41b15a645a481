"""The whole training state as ONE pytree, and how to create it."""

from typing import Any, Callable, Sequence

import flax
import jax
import jax.numpy as jnp
import optax

from gan_jax.augment.adaptive import init_ada_state
from gan_jax.families.gan.losses import init_lecam_anchors


@flax.struct.dataclass
class TrainState:
  """Everything a resumed run needs; checkpointed as one tree.

  step: int32 scalar, G updates done so far (also the data position).
  rng: uint32 [2] base key of the run; step k draws its randomness from fold_in(rng, k).
  ema_params: EMA of g_params (equal to g_params when config.ema.decay == 0); used for sampling.
  ada: ADA's augmentation probability 'p', the last 'r_t' and the sign accumulators behind the next r_t
    (gan_jax.augment.adaptive); present (and r_t tracked) whatever config.gan_aug says.
  lecam: LeCam's EMA anchors of D's mean logits on reals and fakes (gan_jax.families.gan.losses), 0 while unused.
  """
  step: jax.Array
  g_params: Any
  g_batch_stats: Any
  d_params: Any
  d_batch_stats: Any
  g_opt_state: optax.OptState
  d_opt_state: optax.OptState
  ema_params: Any
  rng: jax.Array
  ada: Any = flax.struct.field(default_factory=init_ada_state)
  lecam: Any = flax.struct.field(default_factory=init_lecam_anchors)


def init_train_state(seed: int, *, generator, discriminator, g_tx: optax.GradientTransformation,
                     d_tx: optax.GradientTransformation, latent_dim: int, example_shape: Sequence[int],
                     pack: int, num_classes: int = 0, ada_p: float = 0.0) -> TrainState:
  """Initialises G and D from `seed` (pure: trace it under jax.jit with replicated out_shardings).

  The init batch has `pack` examples, the smallest batch D accepts; conditional models (num_classes > 0)
  are initialised with labels. d_batch_stats holds D's BatchNorm statistics and spectral-norm vectors.
  ada_p: ADA's initial augmentation probability.
  """
  rng = jax.random.PRNGKey(seed)
  g_key, d_key, run_key = jax.random.split(rng, 3)
  z = jnp.zeros((pack, latent_dim), jnp.float32)
  x = jnp.zeros((pack, *example_shape), jnp.float32)
  labels = jnp.zeros((pack,), jnp.int32) if num_classes else None
  g_vars = generator.init({'params': g_key}, z, labels, train=False)
  d_vars = discriminator.init({'params': d_key}, x, labels, train=False)
  g_params, d_params = g_vars['params'], d_vars['params']
  return TrainState(
      step=jnp.zeros((), jnp.int32),
      g_params=g_params,
      g_batch_stats=g_vars.get('batch_stats', {}),
      d_params=d_params,
      d_batch_stats=d_vars.get('batch_stats', {}),
      g_opt_state=g_tx.init(g_params),
      d_opt_state=d_tx.init(d_params),
      ema_params=g_params,
      rng=run_key,
      ada=init_ada_state(ada_p),
      lecam=init_lecam_anchors(),
  )


def abstract_state(init_fn: Callable[[], TrainState], sharding) -> TrainState:
  """Shapes/dtypes of the state with `sharding` on every leaf, without allocating it (for restoring)."""
  shapes = jax.eval_shape(init_fn)
  return jax.tree.map(lambda s: jax.ShapeDtypeStruct(s.shape, s.dtype, sharding=sharding), shapes)
