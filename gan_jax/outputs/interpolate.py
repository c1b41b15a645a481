"""--mode=interpolate: latent interpolation and a truncation sweep from a checkpoint (the seed's Q5).

  python launch.py --config configs/cgan_digits.py --workdir DIR --mode=interpolate

Writes DIR/interpolations/ (beside DIR/samples/):
  slerp.png       spherical interpolation between two latents, config.interpolate.steps images per row
                  (both ends included); conditional models: one row per class, every row between the same
                  two latents, so a column changes only the class; unconditional: config.interpolate.rows
                  rows, each between its own pair of latents.
  truncation.png  a truncation sweep: one row per latent, one column per value of
                  config.interpolate.truncations (0 = no truncation). Each latent is the same uniform draw
                  mapped through the inverse CDF of the normal truncated to [-t, t], so a row shows one
                  latent pulled towards the mode as t shrinks (conditional models: row r is class r mod K).
  interpolations.npz  the latents and labels of both grids.
Latents come from config.seed; the checkpoint is read read-only (safe while a run trains).
"""

import os
from typing import Dict, Sequence, Tuple

import numpy as np
from scipy import special

from gan_jax.core.errors import ConfigError


def validate_interpolate_config(config) -> None:
  """ConfigError (one line) for a bad interpolate.* value."""
  section = config.interpolate
  for key, low in (('steps', 2), ('rows', 1)):
    value = section[key]
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
      raise ConfigError(f'interpolate.{key}={value!r} must be an integer >= {low}')
  values = section.truncations
  ok = isinstance(values, (tuple, list)) and len(values) > 0 and all(
      not isinstance(t, bool) and isinstance(t, (int, float)) and 0 <= t < float('inf') for t in values)
  if not ok:
    raise ConfigError(f'interpolate.truncations={values!r} must be a non-empty list of numbers >= 0 (0 = none)')


def slerp(z0: np.ndarray, z1: np.ndarray, t: np.ndarray) -> np.ndarray:
  """Spherical interpolation (Shoemake 1985; White 2016 for GAN latents) between z0 and z1 [D] at t [T]:
  float [T, D]. The angle is that of the two directions; the norm is interpolated linearly, so the path
  stays on the sphere when |z0| = |z1| and never cuts through the low-density centre of the Gaussian.
  Nearly parallel latents fall back to linear interpolation."""
  z0, z1 = np.asarray(z0, np.float64), np.asarray(z1, np.float64)
  t = np.asarray(t, np.float64)[:, None]
  n0, n1 = np.linalg.norm(z0), np.linalg.norm(z1)
  cos = np.clip(np.dot(z0, z1) / max(n0 * n1, 1e-12), -1.0, 1.0)
  omega = np.arccos(cos)
  if np.sin(omega) < 1e-6:
    return (1 - t) * z0 + t * z1
  u0, u1 = z0 / n0, z1 / n1
  direction = (np.sin((1 - t) * omega) * u0 + np.sin(t * omega) * u1) / np.sin(omega)
  return direction * ((1 - t) * n0 + t * n1)


def truncated_from_uniform(u: np.ndarray, truncation: float) -> np.ndarray:
  """The normal truncated to [-t, t] (t = 0: not truncated) at uniform draws u in (0, 1), by its inverse CDF."""
  if truncation <= 0:
    return special.ndtri(u)
  low, high = special.ndtr(-truncation), special.ndtr(truncation)
  return special.ndtri(low + u * (high - low))


def slerp_latents(rng: np.random.Generator, latent_dim: int, steps: int, rows: int, num_classes: int
                  ) -> Tuple[np.ndarray, np.ndarray]:
  """(z float32 [rows' * steps, D], labels int32 or None) of the slerp grid (rows' = num_classes if > 0)."""
  t = np.linspace(0.0, 1.0, steps)
  if num_classes:
    ends = rng.standard_normal((2, latent_dim))
    z = np.tile(slerp(ends[0], ends[1], t), (num_classes, 1))
    return z.astype(np.float32), np.repeat(np.arange(num_classes, dtype=np.int32), steps)
  ends = rng.standard_normal((rows, 2, latent_dim))
  z = np.concatenate([slerp(a, b, t) for a, b in ends])
  return z.astype(np.float32), None


def truncation_latents(rng: np.random.Generator, latent_dim: int, rows: int, truncations: Sequence[float],
                       num_classes: int) -> Tuple[np.ndarray, np.ndarray]:
  """(z float32 [rows * len(truncations), D], labels int32 or None) of the truncation sweep (row-major)."""
  u = rng.uniform(1e-6, 1 - 1e-6, (rows, latent_dim))
  z = np.stack([truncated_from_uniform(u, t) for t in truncations], axis=1).reshape(-1, latent_dim)
  labels = (np.repeat(np.arange(rows) % num_classes, len(truncations)).astype(np.int32) if num_classes else None)
  return z.astype(np.float32), labels


def interpolate(config, workdir: str, which: str = 'latest') -> Dict[str, str]:
  """Writes DIR/interpolations/{slerp,truncation}.png and interpolations.npz; returns their paths. The
  interpolate.* keys are checked once, by config_checks (validate_interpolate_config), before this runs."""
  from gan_jax.core import parallel  # pylint: disable=g-import-not-at-top
  from gan_jax.logs import pictures  # pylint: disable=g-import-not-at-top
  from gan_jax.outputs import sampling  # pylint: disable=g-import-not-at-top
  trainer, state, step, meta = sampling.restore_checkpoint(config, workdir, which)
  if len(trainer.example_shape) != 3:
    raise ConfigError(f'--mode=interpolate draws image grids; data.name={config.data.name!r} gives points')
  decode = trainer.decode_fn(state)
  section, latent_dim = config.interpolate, int(config.model.latent_dim)
  num_classes = int(meta.get('num_classes', 0))
  trained = min(num_classes, int(meta.get('data_num_classes') or num_classes))   # classes the data had
  rng = np.random.default_rng(config.seed)
  z_slerp, y_slerp = slerp_latents(rng, latent_dim, section.steps, section.rows, trained)
  z_trunc, y_trunc = truncation_latents(rng, latent_dim, section.rows, section.truncations, trained)
  grids = {'slerp': pictures.image_grid(decode(z_slerp, y_slerp), cols=section.steps),
           'truncation': pictures.image_grid(decode(z_trunc, y_trunc), cols=len(section.truncations))}
  folder = os.path.join(os.path.abspath(workdir), 'interpolations')
  paths = {name: os.path.join(folder, f'{name}.png') for name in grids}
  if parallel.is_writer():
    for name, grid in grids.items():
      pictures.save_png(paths[name], grid)
    extra = {k: v for k, v in (('slerp_labels', y_slerp), ('truncation_labels', y_trunc)) if v is not None}
    np.savez(os.path.join(folder, 'interpolations.npz'), slerp_latents=z_slerp, truncation_latents=z_trunc,
             truncations=np.asarray(section.truncations, np.float32), **extra)
    print(f'wrote {", ".join(paths.values())} from {which} checkpoint step {step}')
  return paths
