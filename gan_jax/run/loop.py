"""The training loop: train_and_evaluate(config, workdir).

Resumes from DIR/checkpoints when a checkpoint exists (state, rng, EMA, optimiser states and the data
position, which is the step). Metrics stay on the device until a log or checkpoint step, so the host does
not wait for the device every step; at those steps every pending step's metrics are checked for NaN/Inf.
A resume is checked (gan_jax.run.resume) before anything is written; a damaged checkpoint falls back to
the previous one; SIGTERM/SIGINT save the current step and stop (gan_jax.run.preemption).
"""

import itertools
import math
import os
import time
from typing import Any, Dict, List, Optional, Tuple

import jax
import jax.numpy as jnp
import ml_collections
import numpy as np
from jax.experimental import multihost_utils

from gan_jax.core import checkpointing, parallel
from gan_jax.core.errors import NonFiniteLossError
from gan_jax.data import prepare_dataset
from gan_jax.data import report as data_report
from gan_jax.families import build_trainer
from gan_jax.logs import pictures
from gan_jax.logs.writers import RunLogger, trim_jsonl, window_scalars
from gan_jax.outputs.sampling import class_rows_picture
from gan_jax.run import evaluation, preemption, resume

State = Any   # the training family's state pytree (gan: state.TrainState, vae: families.vae_state.VaeState)


@jax.jit
def _tree_all_finite(tree) -> jax.Array:
  leaves = [jnp.all(jnp.isfinite(x)) for x in jax.tree.leaves(tree) if jnp.issubdtype(x.dtype, jnp.inexact)]
  return jnp.all(jnp.stack(leaves))


def _first_non_finite(host_metrics: List[Tuple[int, Dict[str, np.ndarray]]], loss_keys=('d_loss', 'g_loss')
                      ) -> Optional[Tuple[int, str, float]]:
  """(step, metric, value) of the first NaN/Inf, the losses named before the other metrics of a step."""
  for step, metrics in host_metrics:
    for name in sorted(metrics, key=lambda n: (n not in loss_keys, n)):
      if not np.isfinite(metrics[name]):
        return step, name, float(metrics[name])
  return None


def _prepare_dataset_once(config: ml_collections.ConfigDict, workdir: str):
  """prepare_dataset on every process; with several, process 0 prepares (and caches) first, so processes
  sharing a data_dir do not prepare the same dataset at the same time. DIR/data_report.json is written
  later (`_Run.record`), once the resume was accepted."""
  del workdir
  prepare = lambda: prepare_dataset(config, None, jax.process_index(), jax.process_count())
  if jax.process_count() == 1:
    return prepare()
  ds = prepare() if jax.process_index() == 0 else None
  multihost_utils.sync_global_devices('gan_jax: dataset prepared by process 0')
  return ds if ds is not None else prepare()


class _Run:
  """State of one train_and_evaluate call that the helpers below share."""

  def __init__(self, config: ml_collections.ConfigDict, workdir: str):
    self.config, self.workdir = config, os.path.abspath(workdir)
    self.writer = parallel.is_writer()
    self.mesh = parallel.make_data_mesh()
    parallel.check_global_batch(config.train.batch_size, config.model.pack)
    # The checkpoint directory is created only once the data and the model are known to fit the config,
    # so that a refused run leaves the workdir as it found it.
    open_store = lambda: checkpointing.CheckpointStore(checkpointing.checkpoint_dir(self.workdir),
                                                       config.checkpoint.keep)
    self.store = open_store() if os.path.isdir(checkpointing.checkpoint_dir(self.workdir)) else None
    # The warning about changed keys waits until the checkpoint was restored (`initial_state`): a resume
    # refused for its shape then prints its one error line only.
    self.changed = resume.check_resume(config, self.workdir, self.store and self.store.latest_step(), warn=False)
    self.ds = _prepare_dataset_once(config, self.workdir)
    self.trainer = build_trainer(config, self.ds.example_shape, self.mesh, ds=self.ds)   # ConfigErrors here
    self.store = self.store or open_store()
    self.best_store = None
    self.best = math.inf
    self.last_saved = None

  def open_outputs(self) -> None:
    """Logger, sampler and evaluator (which may train its classifier): after the resume check passed."""
    config = self.config
    self.logger = RunLogger(self.workdir, config.train.steps, self.writer)
    self.evaluator = evaluation.load_evaluator(config, self.ds, self.workdir)
    self.can_evaluate = evaluation.can_evaluate(self.evaluator, config)
    if self.can_evaluate and config.eval.every_steps > 0 and config.eval.best_metric:
      self.best_store = checkpointing.CheckpointStore(checkpointing.checkpoint_dir(self.workdir, best=True), 1)
      best_step, best = self.best_store.restore_newest(lambda s: self.best_store.read_meta(s)['best_value'])
      self.best = best if best_step is not None else math.inf

  def initial_state(self) -> State:
    """The newest readable checkpoint (damaged newer ones set aside), or a fresh state."""
    self.last_saved, restored = self.store.restore_newest(lambda s: self.trainer.restore_state(self.store, s))
    if self.last_saved is None:
      return self.trainer.fresh_state()
    if self.writer:
      resume.warn_changes(self.config, self.workdir, self.changed)
    print(f'resuming from {self.store.directory}/{self.last_saved}', flush=True)
    return restored[0]

  def record(self, start: int) -> None:
    """What this run writes first, once the resume was accepted: data report, config (+ history), the
    metrics history cut back to the restored step."""
    if self.writer:
      data_report.write_report(os.path.join(self.workdir, 'data_report.json'), self.ds.report)
      resume.record_config(self.config, self.workdir, start)
      trim_jsonl(self.logger.jsonl_path, start)

  def stop(self, state: State, step: int, stop: preemption.StopSignals):
    """Saves `step` (unless just saved), waits for every save, closes the logs: the exception to raise."""
    if self.last_saved != step:
      self.save(state, step)
    for store in (self.store, self.best_store):
      if store is not None:
        store.wait()
    self.logger.close()
    return stop.stopped(f'at step {step}: saved {self.store.directory}/{step}')

  def check_finite(self, pending) -> list:
    """Fetches pending (step, device metrics) in one transfer; NonFiniteLossError at the first NaN/Inf."""
    host = jax.device_get(pending)
    bad = _first_non_finite(host, self.trainer.loss_keys())
    if bad is not None:
      self.store.wait()
      last = (f'last good checkpoint: {self.store.directory}/{self.last_saved}' if self.last_saved is not None
              else 'no checkpoint was written')
      raise NonFiniteLossError(f'non-finite {bad[1]}={bad[2]} at step {bad[0]}; stopped without '
                               f'checkpointing it; {last}')
    return host

  def data_meta(self) -> Dict[str, Any]:
    """What a checkpoint records of the data it was trained on: its class count (a model may have more
    classes, model.num_classes, than the data has; the extra ones were never trained, so a reader refuses
    --label for them)."""
    return {'data_num_classes': int(self.ds.num_classes)}

  def save(self, state: State, step: int) -> None:
    if not bool(_tree_all_finite(state)):
      raise NonFiniteLossError(f'non-finite values in the training state at step {step}; not checkpointed')
    self.store.save(step, state, self.trainer.checkpoint_meta(step, self.ds.kind, self.data_meta()))
    self.last_saved = step

  def samples_png(self, state: State, step: int, path: str) -> None:
    """The sample grid at `path` (DIR/samples/step_k.png or DIR/generated.png) and the family's extra
    pictures beside it (e.g. DIR/reconstructions/step_k.png or DIR/reconstructions.png)."""
    num = self.config.train.num_sample_images
    sample_fn = self.trainer.sample_fn(state)   # the fixed latent: same seed each time
    if self.trainer.num_classes:   # one class per row
      picture = class_rows_picture(sample_fn, num, self.trainer.num_classes, self.config.seed)
    else:
      picture = pictures.samples_picture(sample_fn(num, self.config.seed), self.ds.mode_centers)
    found = {'samples': picture, **self.trainer.pictures(state, self.ds)}
    if self.writer:
      for name, picture in found.items():
        pictures.save_png(_beside(path, name), picture)
        self.logger.picture(step, name, picture)

  def evaluate(self, state: State, step: int, split: str) -> Dict[str, float]:
    results = evaluation.evaluate_state(self.trainer, self.evaluator, state, self.ds, split, step, self.workdir)
    self.logger.tensorboard_scalars(step, {f'eval_{split}/{k}': v for k, v in results.items()
                                           if isinstance(v, (int, float, np.floating, np.integer))})
    return results

  def maybe_keep_best(self, state: State, step: int, results: Dict[str, float]) -> None:
    if self.best_store is None:
      return
    value = evaluation.best_value(results, self.config.eval.best_metric)
    if value < self.best:
      self.best = value
      meta = self.trainer.checkpoint_meta(step, self.ds.kind, {**self.data_meta(), 'best_value': value,
                                                               'best_metric': self.config.eval.best_metric})
      self.best_store.save(step, state, meta)


def _compile(step_fn, state, batch, rng, logger: RunLogger, step: int):
  """Compiles the jitted step ahead of time (the executable the loop then calls); prints the compile time
  and writes it to TensorBoard as `compile_seconds` (not to metrics.jsonl, which holds training steps)."""
  begin = time.perf_counter()
  compiled = step_fn.lower(state, batch, rng).compile()
  seconds = time.perf_counter() - begin
  logger.tensorboard_scalars(step, {'compile_seconds': seconds})
  if logger.enabled:
    print(f'train step compiled in {seconds:.1f} s', flush=True)
  return compiled


def _beside(path: str, name: str) -> str:
  """DIR/samples/step_k.png -> DIR/<name>/step_k.png; DIR/generated.png -> DIR/<name>.png."""
  if name == 'samples':
    return path
  folder, file = os.path.split(path)
  if os.path.basename(folder) == 'samples':
    return os.path.join(os.path.dirname(folder), name, file)
  return os.path.join(folder, f'{name}.png')


def train_and_evaluate(config: ml_collections.ConfigDict, workdir: str) -> State:
  """Trains the model family of config.model.name for config.train.steps steps (resuming if
  DIR/checkpoints has one), then writes DIR/generated.png (plus the family's pictures) and evaluates
  on the val split. Returns the final state.

  RunStopped after SIGTERM/SIGINT (the current step saved); DiskFullError when a save runs out of space.
  """
  with preemption.StopSignals() as stop, checkpointing.no_space_reported(checkpointing.checkpoint_dir(workdir)):
    return _train_and_evaluate(config, workdir, stop)


def _train_and_evaluate(config: ml_collections.ConfigDict, workdir: str, stop: preemption.StopSignals):
  run = _Run(config, workdir)
  train = config.train
  state = run.initial_state()   # first: a checkpoint that does not fit the config stops the run here
  run.open_outputs()
  start = int(jax.device_get(state.step))
  run.record(start)
  rng = parallel.replicated_copy(state.rng, run.mesh)
  trainer = run.trainer
  phase = trainer.phase_at(start)
  keys, per_step = trainer.batch_keys(run.ds), trainer.batches_per_step()
  # One batch of per_step * train.batch_size examples per step: batch k of it is what steps k uses, so the
  # data position stays the step and a resumed run reads what an uninterrupted one would.
  batches = (parallel.to_global_batch({k: b[k] for k in keys}, run.mesh)
             for b in run.ds.train_iterator(train.batch_size * per_step, start_step=start))
  compile_step = lambda phase, batch, at: _compile(trainer.make_train_step(phase), state, batch, rng, run.logger, at)
  if start < train.steps:
    first_batch = next(batches)
    step_fn = compile_step(phase, first_batch, start)
    batches = itertools.chain([first_batch], batches)
  pending, window, window_start = [], [], time.perf_counter()
  every, eval_every = config.checkpoint.every_steps, config.eval.every_steps
  evaluated = None

  stop.defer()   # from here a signal stops the run at the next step boundary, saved
  for step in range(start + 1, train.steps + 1):
    batch = next(batches)
    state, metrics = step_fn(state, batch, rng)
    pending.append((step, metrics))
    if trainer.phase_at(step) != phase:   # a boundary: the state enters the next phase before it is saved
      phase = trainer.phase_at(step)
      state = trainer.enter_phase(state, phase)
      if step < train.steps:
        step_fn = compile_step(phase, batch, step)
    stop_now = stop.reached(step)   # a Python flag (one process) or JAX's preemption sync point
    log_now = step % train.log_every == 0 or step == train.steps or stop_now
    save_now = step == train.steps or (every > 0 and step % every == 0)
    eval_now = run.can_evaluate and eval_every > 0 and step % eval_every == 0 and not stop_now
    if log_now or save_now or eval_now:   # the only host syncs: never a checkpoint or an eval from NaNs
      window += run.check_finite(pending)
      pending = []
    if log_now:
      elapsed = time.perf_counter() - window_start
      scalars = window_scalars(window, trainer.last_value_keys)   # means, or a family's states at `step`
      scalars.update(step_time=elapsed / len(window), steps_per_sec=len(window) / elapsed,
                     images_per_sec=len(window) * per_step * train.batch_size / elapsed)   # real images read
      run.logger.scalars(step, scalars, run.trainer.console_keys)
      window, window_start = [], time.perf_counter()
    if save_now:
      run.save(state, step)
    if train.sample_every > 0 and step % train.sample_every == 0:
      run.samples_png(state, step, os.path.join(run.workdir, 'samples', f'step_{step:07d}.png'))
    if eval_now:
      run.maybe_keep_best(state, step, run.evaluate(state, step, 'val'))
      evaluated = step
    if stop_now:
      raise run.stop(state, step, stop)

  run.store.wait()
  stop.after_loop(f'after the last step: {run.store.directory}/{run.store.latest_step()} is saved')
  run.samples_png(state, train.steps, os.path.join(run.workdir, 'generated.png'))
  if run.can_evaluate and evaluated != train.steps:
    run.evaluate(state, train.steps, 'val')
  run.logger.close()
  for store in (run.store, run.best_store):
    if store is not None:
      store.wait()
      store.close()
  return state
