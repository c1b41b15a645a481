"""PacGAN packing (Lin et al., 2018): the discriminator scores `pack` samples jointly.

Groups of `pack` consecutive samples are concatenated along the last (channel / feature) axis, so a
packed discriminator is the plain one with a `pack` times wider input and `B // pack` outputs.
"""

import jax
import jax.numpy as jnp


def pack_samples(x: jax.Array, pack: int) -> jax.Array:
  """[B, ..., C] -> [B // pack, ..., pack * C]; sample j of a group fills channels [j*C, (j+1)*C).

  Images [B, H, W, C] -> [B/m, H, W, m*C]; points [B, D] -> [B/m, m*D]. pack=1 returns x unchanged.
  """
  if pack == 1:
    return x
  batch = x.shape[0]
  if batch % pack:
    raise ValueError(f'discriminator batch {batch} does not divide by model.pack={pack}')
  grouped = x.reshape(batch // pack, pack, *x.shape[1:])
  grouped = jnp.moveaxis(grouped, 1, -2)   # [B/m, ..., m, C]
  return grouped.reshape(*grouped.shape[:-2], pack * x.shape[-1])
