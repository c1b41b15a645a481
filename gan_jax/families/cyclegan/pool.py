"""The image pool D is shown fakes from (Shrivastava et al. 2017; the reference's util/image_pool.py), as a pure
function of arrays that live in the train state.

The reference's rule, image by image in batch order: while the pool holds fewer than `size` images the
image is stored and shown; once full, with probability 1/2 (a uniform draw u > 0.5) a uniformly chosen
stored image is shown and the new image takes its slot, else the new image is shown and the pool is left
unchanged. size 0: the fakes themselves.
"""

from typing import Tuple

import jax
import jax.numpy as jnp


def query_with_draws(pool: jax.Array, count: jax.Array, fakes: jax.Array, uniforms: jax.Array,
                     slots: jax.Array) -> Tuple[jax.Array, jax.Array, jax.Array]:
  """pool float32 [size, *image], count int32 [] (images stored), fakes [B, *image], uniforms float32 [B] in
  [0, 1), slots int32 [B] in [0, size): the draws of each image. -> (shown [B, *image], pool, count)."""
  size = pool.shape[0]
  if size == 0:
    return fakes, pool, count

  def one(carry, inputs):
    pool, count = carry
    image, u, slot = inputs
    full = count >= size
    swap = full & (u > 0.5)
    index = jnp.where(full, slot, count)
    stored = pool[index]
    pool = pool.at[index].set(jnp.where(full & ~swap, stored, image))
    return (pool, jnp.minimum(count + 1, size)), jnp.where(swap, stored, image)

  (pool, count), shown = jax.lax.scan(one, (pool, count), (fakes, uniforms, slots))
  return shown, pool, count


def query(pool: jax.Array, count: jax.Array, fakes: jax.Array, key: jax.Array):
  """query_with_draws with the draws taken from `key` (the reference's random.uniform and random.randint)."""
  size = max(pool.shape[0], 1)
  u_key, slot_key = jax.random.split(key)
  uniforms = jax.random.uniform(u_key, (fakes.shape[0],))
  slots = jax.random.randint(slot_key, (fakes.shape[0],), 0, size)
  return query_with_draws(pool, count, jax.lax.stop_gradient(fakes), uniforms, slots)
