"""ProGAN's phase schedule: which resolution, fade-in weight alpha and batch size every step trains with.

As the reference's TrainingSchedule (tkarras/progressive_growing_of_gans, train.py): training starts stable at
`progan.start_resolution`; every doubling r is a fade phase (the new layers fade in, alpha rising linearly
from 0 with the images shown, `progan.fade_images` of them) followed by a stable phase at r
(`progan.images_per_phase` images); the stable phase at the final resolution lasts until train.steps.
Phases are counted in steps of their resolution's batch size (`progan.batch_sizes`, one per resolution, or
train.batch_size everywhere): a phase of I images at batch B lasts ceil(I / B) steps.

  stable_4 | fade_8 | stable_8 | fade_16 | stable_16 | ... | stable_<final>

alpha of the step that runs with `step` steps done, in a fade phase starting at `start`:
min((step - start) * B / fade_images, 1): 0 at the first step of the fade. A stable phase has no blend.
"""

import math
from typing import NamedTuple, Sequence, Tuple

import jax.numpy as jnp

from gan_jax.models.progan import resolutions


class PhaseSpec(NamedTuple):
  """One phase: `start` steps are done when it begins; `steps` long (0: the last phase, open-ended)."""
  start: int
  name: str
  resolution: int
  fading: bool
  batch_size: int
  images: int
  steps: int


def build_schedule(final_resolution: int, start_resolution: int, images_per_phase: int, fade_images: int,
                   batch_sizes: Sequence[int]) -> Tuple[PhaseSpec, ...]:
  """The phases in order. batch_sizes: one per resolution start, 2 * start, ..., final."""
  sizes = dict(zip(resolutions(final_resolution, start_resolution), batch_sizes))
  plan = [('stable', start_resolution, images_per_phase)]
  for r in resolutions(final_resolution, start_resolution)[1:]:
    plan += [('fade', r, fade_images), ('stable', r, images_per_phase)]
  phases, start = [], 0
  for i, (kind, r, images) in enumerate(plan):
    last = i == len(plan) - 1
    steps = 0 if last else math.ceil(images / sizes[r])
    phases.append(PhaseSpec(start, f'{kind}_{r}', r, kind == 'fade', sizes[r], 0 if last else images, steps))
    start += steps
  return tuple(phases)


def alpha_at(spec: PhaseSpec, step: int) -> float:
  """The fade-in weight of the step run with `step` steps done (1.0 in a stable phase)."""
  if not spec.fading:
    return 1.0
  return min(max((step - spec.start) * spec.batch_size / spec.images, 0.0), 1.0)


def traced_alpha(spec: PhaseSpec, step) -> jnp.ndarray:
  """alpha_at inside the jitted step (float32 from the int32 step counter)."""
  if not spec.fading:
    return jnp.float32(1.0)
  shown = (step - spec.start).astype(jnp.float32) * jnp.float32(spec.batch_size)
  return jnp.clip(shown / jnp.float32(spec.images), 0.0, 1.0)
