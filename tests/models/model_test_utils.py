"""Helpers for model tests: variables without running flax init (random init compiles slowly on CPU)."""

import jax
import numpy as np


def variable_shapes(module, *args):
  """The variables `module.init` would create, as ShapeDtypeStructs (traced only, no compute)."""
  return jax.eval_shape(module.init, jax.random.key(0), *args)


def numpy_variables(module, *args, seed=0, std=0.1):
  """Random float32 variables with init's structure: N(0, std) params, mean 0 / var 1 batch stats."""
  rng = np.random.default_rng(seed)
  shapes = variable_shapes(module, *args)
  def fill(path, leaf):
    name = jax.tree_util.keystr(path)
    if 'var' in name:
      return np.ones(leaf.shape, np.float32)
    if 'mean' in name:
      return np.zeros(leaf.shape, np.float32)
    if 'scale' in name:
      return (1 + std * rng.standard_normal(leaf.shape)).astype(np.float32)
    return (std * rng.standard_normal(leaf.shape)).astype(np.float32)
  return jax.tree_util.tree_map_with_path(fill, shapes)
