"""The CycleGAN tests' tiny config and three steps on every device there is: imported by test_cyclegan_runs.py and by
its 4-device subprocess (so that one imports no TensorFlow and no training loop)."""

import jax
import numpy as np

from configs import cyclegan_digits_mnist5k
from gan_jax.core import parallel
from gan_jax.families import build_trainer

STEPS = 3


def tiny_config(data_dir: str = ''):
  """configs/cyclegan_digits_mnist5k.py:tiny (16x16, width 8, one ResNet block, pool of 4, batch 8)."""
  config = cyclegan_digits_mnist5k.get_config('tiny')
  config.data.data_dir = data_dir
  return config


def _batches() -> list:
  draw = np.random.RandomState(0)
  return [{key: draw.uniform(-1, 1, (8, 16, 16, 1)).astype(np.float32) for key in ('image', 'image_b')}
          for _ in range(STEPS)]


def _leaves(state) -> dict:
  return {jax.tree_util.keystr(p): np.asarray(v) for p, v in jax.tree_util.tree_leaves_with_path(jax.device_get(state))}


def three_steps(inputs=None) -> dict:
  """Three steps on fixed batches (the pool of 4 fills in the first, then swaps), on every device there is.

  inputs: None, the steps chain from the initial state; else another run's 'inputs/...' entries, and step i
  starts from that run's state before its step i (each step compared from the same state: see
  test_four_devices_match_one). -> numpy by name: 'inputs/<i>/<leaf>' the state before step i, '<i>/<metric>'
  and '<i>/state<leaf>' what step i computed."""
  trainer = build_trainer(tiny_config(), (16, 16, 1))
  state = trainer.fresh_state()
  structure = jax.tree.structure(state)
  rng = parallel.replicated_copy(state.rng, trainer.mesh)
  step_fn = trainer.make_train_step()
  out = {}
  for i, batch in enumerate(_batches()):
    if inputs is not None:
      given = [inputs[f'inputs/{i}/{name}'] for name in _leaves(state)]
      state = jax.device_put(jax.tree.unflatten(structure, given), parallel.replicated(trainer.mesh))
    out.update({f'inputs/{i}/{name}': value for name, value in _leaves(state).items()})
    state, metrics = step_fn(state, parallel.to_global_batch(batch, trainer.mesh), rng)
    out.update({f'{i}/{k}': np.asarray(v) for k, v in jax.device_get(metrics).items()})
    out.update({f'{i}/state{name}': value for name, value in _leaves(state).items()})
  return out
