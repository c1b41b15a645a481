"""What every training family's Trainer provides to the shared loop, checkpoints, sampling and evaluation.

A Trainer is built once per run from (config, example_shape, mesh) and either the prepared dataset
(training: class count and label statistics come from it) or a checkpoint's meta (sampling, evaluation);
it holds the family's models and optimisers, never the state (the loop owns the state pytree).
"""

from typing import Callable, Dict, Optional, Tuple

import jax
import numpy as np

from gan_jax.core import checkpointing, parallel

SampleFn = Callable[..., np.ndarray]   # sample_fn(num, seed, labels=None) -> float32 [num, *example_shape]


class Trainer:
  """Base class: the shared parts (checkpoint metadata, fresh state, restore onto the abstract state).

  Subclasses set `console_keys` (the metrics the console line shows), `init_fn` (a pure function ->
  the initial state pytree, with `.step` and `.rng`), and implement `bind_train_step`, `sample_fn`.
  """
  console_keys: Tuple[str, ...] = ()

  num_classes: int = 0   # > 0: a conditional model (sample_fn takes labels; one class per grid row)

  def __init__(self, config, example_shape, mesh=None, ds=None, meta: Optional[Dict] = None):
    del ds, meta   # a family reads what it needs of them
    self.config = config
    self.mesh = mesh if mesh is not None else parallel.make_data_mesh()
    self.example_shape = tuple(int(d) for d in example_shape)

  # ---------------------------------------------------------------- state and checkpoints
  def fresh_state(self):
    return jax.jit(self.init_fn, out_shardings=parallel.replicated(self.mesh))()

  def abstract_state(self):
    sharding = parallel.replicated(self.mesh)
    return jax.tree.map(lambda s: jax.ShapeDtypeStruct(s.shape, s.dtype, sharding=sharding),
                        jax.eval_shape(self.init_fn))

  def restore_state(self, store: checkpointing.CheckpointStore, step: int):
    """-> (state, meta); ConfigError when the checkpoint's shapes do not fit this config."""
    return store.restore(step, self.abstract_state(), checkpointing.shape_fields(self.config))

  def checkpoint_meta(self, step: int, data_kind: str, extra: Optional[Dict] = None) -> Dict:
    fields = checkpointing.shape_fields(self.config)
    return {'step': step, 'data_position': step, 'example_shape': list(self.example_shape),
            'data_kind': data_kind, 'num_classes': self.num_classes, 'shape_fields': fields,
            'shape_fields_hash': checkpointing.fields_hash(fields), **(extra or {})}

  # ---------------------------------------------------------------- the step
  def bind_train_step(self) -> Callable:
    """The pure step (state, batch, rng) -> (state, metrics) with the config bound, not jitted."""
    raise NotImplementedError

  def make_train_step(self) -> Callable:
    """jit of the bound step: batch sharded on 'data', state and rng replicated, the state donated."""
    replicated = parallel.replicated(self.mesh)
    return jax.jit(self.bind_train_step(), donate_argnums=0,
                   in_shardings=(replicated, parallel.batch_sharding(self.mesh), replicated),
                   out_shardings=(replicated, replicated))

  # ---------------------------------------------------------------- outputs
  def sample_fn(self, state, truncation: float = 0.0, temperature: float = 1.0) -> SampleFn:
    """Prior samples of `state` (latents as gan_jax.families.latents.draw_latents(truncation, temperature))."""
    raise NotImplementedError

  def decode_fn(self, state) -> Callable[[np.ndarray, Optional[np.ndarray]], np.ndarray]:
    """decode(z float32 [N, latent_dim], labels int32 [N] or None) -> float32 [N, *example_shape]: the
    (EMA) generator at given latents, in eval mode (latent interpolation, --mode=interpolate)."""
    raise NotImplementedError

  def pictures(self, state, ds) -> Dict[str, np.ndarray]:
    """Extra uint8 pictures written beside each sample grid, by name (default: none)."""
    del state, ds
    return {}

  def extra_metrics(self, state, ds, split: str) -> Dict[str, float]:
    """Family-specific evaluation results merged into the Evaluator's (default: none)."""
    del state, ds, split
    return {}

  def loss_keys(self) -> Tuple[str, ...]:
    """Metrics named first when a NaN/Inf stops the run."""
    return self.console_keys[:2]

