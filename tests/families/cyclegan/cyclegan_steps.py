"""The CycleGAN tests' tiny config and three steps on every device there is: imported by test_cyclegan_runs.py and by
its 4-device subprocess (so that one imports no TensorFlow and no training loop)."""

import jax
import numpy as np

from configs import cyclegan_digits_mnist5k
from gan_jax.core import parallel
from gan_jax.families import build_trainer


def tiny_config(data_dir: str = ''):
  """configs/cyclegan_digits_mnist5k.py:tiny (16x16, width 8, one ResNet block, pool of 4, batch 8)."""
  config = cyclegan_digits_mnist5k.get_config('tiny')
  config.data.data_dir = data_dir
  return config


def three_steps() -> dict:
  """Three steps from the initial state on fixed batches (the pool of 4 fills in the first, then swaps), on
  every device there is: the state's leaves and the metrics as numpy."""
  trainer = build_trainer(tiny_config(), (16, 16, 1))
  state = trainer.fresh_state()
  rng = parallel.replicated_copy(state.rng, trainer.mesh)
  step_fn = trainer.make_train_step()
  draw = np.random.RandomState(0)
  out = {}
  for i in range(3):
    batch = {key: draw.uniform(-1, 1, (8, 16, 16, 1)).astype(np.float32) for key in ('image', 'image_b')}
    state, metrics = step_fn(state, parallel.to_global_batch(batch, trainer.mesh), rng)
    out.update({f'{i}/{k}': np.asarray(v) for k, v in jax.device_get(metrics).items()})
  out.update({jax.tree_util.keystr(p): np.asarray(v) for p, v in jax.tree_util.tree_leaves_with_path(
      jax.device_get(state))})
  return out
