"""The family contract: what every training family's Trainer tells the shared loop, checkpoints, outputs
and evaluation. The loop reads it and never names a family.

A Trainer is built once per run from (config, example_shape, mesh) and either the prepared dataset
(training: class count and label statistics come from it) or a checkpoint's meta (sampling, evaluation);
it holds the family's models and optimisers, never the state (the loop owns the state pytree).

What the loop reads:
  batch_keys(ds)        the batch entries the step consumes ('image', 'label', a second domain's 'image_b')
  batches_per_step()    data batches one step consumes (a GAN with n_critic D updates: n_critic)
  phases()              the phase schedule: Phase(start, name) in order, the first at step 0. The state
                        after `start` steps belongs to that phase: the loop calls enter_phase(state, phase)
                        right after step `start` (before it is saved) and rebuilds the jitted step with
                        make_train_step(phase); a checkpoint at step s is restored onto phase_at(s)'s shapes.
  sample_kind           'prior' (unconditional draws), 'conditional' (draws per class: sample_fn takes
                        labels) or 'translation' (outputs of given inputs)
  shape_fields()        config values that decide the state's shapes (a checkpoint records and checks them)
  console_keys, last_value_keys (logged at the line's step, not averaged over its window), loss_keys(),
  pictures(state, ds), extra_metrics(state, ds, split)
  evaluation_skipped(step) why the state after `step` steps is not evaluated ('' = it is)
"""

from typing import Callable, Dict, NamedTuple, Optional, Tuple

import jax
import numpy as np

from gan_jax.core import checkpointing, parallel

SampleFn = Callable[..., np.ndarray]   # sample_fn(num, seed, labels=None) -> float32 [num, *example_shape]

SAMPLE_KINDS = ('prior', 'conditional', 'translation')


class Phase(NamedTuple):
  """A stretch of training with one jitted step: from `start` (steps done) until the next phase's start."""
  start: int
  name: str = 'train'


class Trainer:
  """Base class: the shared parts (checkpoint metadata, fresh state, restore onto the abstract state).

  Subclasses set `console_keys` (the metrics the console line shows; `last_value_keys` among the metrics are
  shown at the line's step instead of averaged), `init_fn` (a pure function ->
  the initial state pytree of the first phase, with `.step` and `.rng`), and implement `bind_train_step`
  and `sample_fn`; a family with several phases also `phases` and `enter_phase` (and, when the state's
  shapes change, `abstract_state(phase)`).
  """
  console_keys: Tuple[str, ...] = ()
  # Metrics that describe where training is (a resolution, a fade's alpha) rather than estimate something:
  # a log line shows their value at its step, where the other metrics are averaged over the log window.
  last_value_keys: Tuple[str, ...] = ()

  num_classes: int = 0   # > 0: a conditional model (sample_fn takes labels; one class per grid row)

  def __init__(self, config, example_shape, mesh=None, ds=None, meta: Optional[Dict] = None):
    del ds, meta   # a family reads what it needs of them
    self.config = config
    self.mesh = mesh if mesh is not None else parallel.make_data_mesh()
    self.example_shape = tuple(int(d) for d in example_shape)

  @property
  def sample_kind(self) -> str:
    return 'conditional' if self.num_classes else 'prior'

  # ---------------------------------------------------------------- what the loop feeds the step
  def batch_keys(self, ds) -> Tuple[str, ...]:
    """The entries of ds.train_iterator's batches the step reads (labels whenever the data has them)."""
    return ('image', 'label') if ds.num_classes else ('image',)

  def batches_per_step(self) -> int:
    """How many data batches of train.batch_size one step consumes (the data position counts batches)."""
    return 1

  # ---------------------------------------------------------------- phases
  def phases(self) -> Tuple[Phase, ...]:
    return (Phase(0),)

  def phase_at(self, step: int) -> Phase:
    """The phase the state belongs to after `step` steps: the last one whose start <= step."""
    found = [phase for phase in self.phases() if phase.start <= step]
    return found[-1]

  def enter_phase(self, state, phase: Phase):
    """The state transformed for `phase` (new layers, a restarted optimiser, ...); default unchanged."""
    del phase
    return state

  # ---------------------------------------------------------------- state and checkpoints
  def shape_fields(self) -> Dict:
    return checkpointing.shape_fields(self.config)

  def fresh_state(self):
    return jax.jit(self.init_fn, out_shardings=parallel.replicated(self.mesh))()

  def abstract_state(self, phase: Optional[Phase] = None):
    """Shapes and dtypes of the state in `phase` (default: the first), replicated, without allocating it.
    The default serves families whose phases keep the first phase's shapes."""
    del phase
    sharding = parallel.replicated(self.mesh)
    return jax.tree.map(lambda s: jax.ShapeDtypeStruct(s.shape, s.dtype, sharding=sharding),
                        jax.eval_shape(self.init_fn))

  def restore_state(self, store: checkpointing.CheckpointStore, step: int):
    """-> (state, meta) onto the shapes of phase_at(step); ConfigError when they do not fit this config."""
    return store.restore(step, self.abstract_state(self.phase_at(step)), self.shape_fields())

  def checkpoint_meta(self, step: int, data_kind: str, extra: Optional[Dict] = None) -> Dict:
    fields = self.shape_fields()
    return {'step': step, 'data_position': step * self.batches_per_step(),
            'example_shape': list(self.example_shape), 'data_kind': data_kind, 'num_classes': self.num_classes,
            'phase': self.phase_at(step).name, 'shape_fields': fields,
            'shape_fields_hash': checkpointing.fields_hash(fields), **(extra or {})}

  # ---------------------------------------------------------------- the step
  def bind_train_step(self, phase: Optional[Phase] = None) -> Callable:
    """The pure step (state, batch, rng) -> (state, metrics) of `phase` (default: the first) with the
    config bound, not jitted."""
    raise NotImplementedError

  def make_train_step(self, phase: Optional[Phase] = None) -> Callable:
    """jit of the bound step: batch sharded on 'data', state and rng replicated, the state donated."""
    replicated = parallel.replicated(self.mesh)
    return jax.jit(self.bind_train_step(phase), donate_argnums=0,
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

  def evaluation_skipped(self, step: int) -> str:
    """'' when the state after `step` steps can be evaluated; else why not, in one line (evaluation then
    prints it and returns no results), e.g. a growing network before its final resolution."""
    del step
    return ''

  def extra_metrics(self, state, ds, split: str) -> Dict[str, float]:
    """Family-specific evaluation results merged into the Evaluator's (default: none)."""
    del state, ds, split
    return {}

  def loss_keys(self) -> Tuple[str, ...]:
    """Metrics named first when a NaN/Inf stops the run."""
    return self.console_keys[:2]
