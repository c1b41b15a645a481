"""The ProGAN tests' tiny config and two fade steps on every device there is: imported by test_progan_runs.py and
by its 4-device subprocess (so that one imports no TensorFlow and no training loop)."""

import jax
import numpy as np

from configs import progan_mnist5k
from gan_jax.core import parallel
from gan_jax.families import build_trainer


def tiny_config(data_dir: str = '', images_per_phase: int = 16):
  """configs/progan_mnist5k.py:tiny on the bundled digits at 8x8: 2 steps of 8 images per phase (stable_4 from
  step 0, fade_8 from 2, stable_8 from 4)."""
  config = progan_mnist5k.get_config('tiny')
  config.data.name, config.data.image_size, config.data.data_dir = 'digits', 8, data_dir
  config.progan.images_per_phase = images_per_phase
  return config


def fade_steps() -> dict:
  """Two steps of fade_8 (alpha 0, then 0.5) from the grown initial state on a fixed batch, on every device
  there is: the state's leaves and the metrics as numpy."""
  trainer = build_trainer(tiny_config(), (8, 8, 1))
  fade = trainer.phases()[1]
  state = trainer.enter_phase(trainer.fresh_state(), fade)
  state = state.replace(step=parallel.replicate(np.int32(fade.start), trainer.mesh))
  images = np.random.RandomState(0).uniform(-1, 1, (8, 8, 8, 1)).astype(np.float32)
  batch = parallel.to_global_batch({'image': images}, trainer.mesh)
  rng = parallel.replicated_copy(state.rng, trainer.mesh)
  step_fn = trainer.make_train_step(fade)
  out = {}
  for i in range(2):
    state, metrics = step_fn(state, batch, rng)
    out.update({f'{i}/{k}': np.asarray(v) for k, v in jax.device_get(metrics).items()})
  out.update({jax.tree_util.keystr(p): np.asarray(v) for p, v in jax.tree_util.tree_leaves_with_path(
      jax.device_get(state))})
  return out


