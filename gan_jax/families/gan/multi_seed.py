"""Trains K seeds of one config in one compiled program: lax.scan over steps, vmap over seeds.

  trainer = MultiSeedTrainer(config, seeds=(0, 1, 2), workdirs=[...], steps_per_call=500)
  states = trainer.train()            # resumes from the seed workdirs' checkpoints when they have one
  results = trainer.evaluate(states)  # [K] Evaluator results, written to each seed's workdir/eval/

Nothing of the step is re-implemented: the per-seed step is the library's pure `train_step` bound by
`GanTrainer.bind_train_step`, states from `GanTrainer.fresh_state`, batches from each seed's
`ds.train_iterator` and evaluation from `Sampler` + `Evaluator`. So seed k is the run that
`launch.py --mode=train` makes with config.seed = seeds[k] (same init, data order and step keys); only
float reassociation inside batched (vmapped) matmuls can separate them (tests/test_reproduction.py
checks they agree to float tolerance). Each seed's workdir is an ordinary gan_jax workdir (checkpoints,
eval/, metrics.jsonl), readable by `launch.py --mode=sample|evaluate`.

Cells in one program: `cell_configs[k]` gives member k its own config (e.g. the ring and the grid cell of
the PacGAN table). Members may differ only in `data` and `seed` (same model, losses, optimiser, batch and
schedule: one compiled step), so K runs of several cells still make one program; each member keeps its own
dataset, batches, checkpoints and evaluation.

Why: one step of a small MLP GAN is dominated by dispatch and per-op overhead on CPU; scanning S steps per
call removes the per-step dispatch, and vmapping K seeds fills an accelerator that one seed would leave
idle. (lax.scan over conv weight-gradients is slow on XLA:CPU; use small `steps_per_call` for DCGANs.)
"""

import functools
import json
import os
import time
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import jax
import jax.numpy as jnp
import ml_collections
import numpy as np

from gan_jax.core import checkpointing
from gan_jax.core.errors import ConfigError
from gan_jax.data import prepare_dataset
from gan_jax.data.bulk_batches import BulkBatches, bulk_supported
from gan_jax.families.gan import trainer as gan_trainer
from gan_jax.families.gan.state import TrainState
from gan_jax.metrics.evaluator import Evaluator


def seed_config(config: ml_collections.ConfigDict, seed: int) -> ml_collections.ConfigDict:
  """A copy of `config` with config.seed = seed (everything else shared)."""
  copy = ml_collections.ConfigDict(config.to_dict())
  copy.seed = int(seed)
  return copy


def _data_key(config: ml_collections.ConfigDict) -> str:
  return json.dumps(config.data.to_dict(), sort_keys=True, default=str)


def program_differences(a: ml_collections.ConfigDict, b: ml_collections.ConfigDict) -> List[str]:
  """Top-level config keys (other than data and seed) in which a and b differ: runs of one program must agree."""
  da, db = a.to_dict(), b.to_dict()
  return sorted(k for k in set(da) | set(db) if k not in ('data', 'seed') and da.get(k) != db.get(k))


def stack_states(states: Sequence[TrainState]) -> TrainState:
  """K states -> one state whose leaves have a leading seed axis [K, ...]."""
  return jax.tree.map(lambda *leaves: jnp.stack(leaves), *states)


def unstack_state(states: TrainState, k: int) -> TrainState:
  """Seed k's state out of a stacked one."""
  return jax.tree.map(lambda leaf: leaf[k], states)


def scan_steps(step_fn: Callable, states: TrainState, images: jax.Array) -> Tuple[TrainState, Dict]:
  """S steps of K seeds: states [K, ...], images [S, K, n_critic * B, *example_shape] -> (states, metrics [S, K]).

  step_fn(state, batch, rng) is the bound library step; each seed uses its own base key state.rng, as
  train_and_evaluate does.
  """
  per_seed = jax.vmap(lambda state, x: step_fn(state, {'image': x}, state.rng))
  return jax.lax.scan(per_seed, states, images)


class MultiSeedTrainer:
  """K seeds of `config` (config.seed ignored), trained together; see the module docstring.

  cell_configs: one config per member (default: `config` for every member); they may differ only in
  `data` (and seed) from `config`, which defines the shared program.
  """

  def __init__(self, config: ml_collections.ConfigDict, seeds: Sequence[int], workdirs: Sequence[str],
               steps_per_call: int = 500,
               cell_configs: Optional[Sequence[ml_collections.ConfigDict]] = None):
    cell_configs = list(cell_configs) if cell_configs is not None else [config] * len(seeds)
    if len(seeds) != len(workdirs) or len(cell_configs) != len(seeds) or not seeds:
      raise ConfigError(f'multi-seed: {len(seeds)} seeds for {len(workdirs)} workdirs and {len(cell_configs)} '
                        'configs; give one workdir (and config) per seed')
    members = [(json.dumps(c.data.to_dict(), sort_keys=True, default=str), int(s))
               for c, s in zip(cell_configs, seeds)]
    if len(set(members)) != len(members):
      raise ConfigError(f'multi-seed: seeds {list(seeds)} repeat for the same data; they must differ')
    if len({os.path.abspath(w) for w in workdirs}) != len(workdirs):
      raise ConfigError('multi-seed: workdirs repeat; give each run its own')
    if steps_per_call < 1:
      raise ConfigError(f'multi-seed: steps_per_call={steps_per_call} must be >= 1')
    for cell in cell_configs:
      differing = program_differences(config, cell)
      if differing:
        raise ConfigError(f'multi-seed: cell configs differ in {", ".join(differing)} (only data.* may differ '
                          'between runs of one program)')
    self.config, self.seeds = config, tuple(int(s) for s in seeds)
    self.workdirs = [os.path.abspath(w) for w in workdirs]
    self.steps_per_call = steps_per_call
    for w in self.workdirs:
      os.makedirs(w, exist_ok=True)
    self.configs = [seed_config(c, s) for c, s in zip(cell_configs, self.seeds)]
    self.datasets = [prepare_dataset(c, w) for c, w in zip(self.configs, self.workdirs)]
    shapes = sorted({tuple(ds.example_shape) for ds in self.datasets})
    if len(shapes) > 1:
      raise ConfigError(f'multi-seed: the cells\' examples differ in shape {shapes}; one program needs one shape')
    self.gans = [gan_trainer.GanTrainer(c, self.datasets[0].example_shape) for c in self.configs]
    self.gan = self.gans[0]      # models, optimisers and step are the same for every seed
    self.stores = [checkpointing.CheckpointStore(checkpointing.checkpoint_dir(w), config.checkpoint.keep)
                   for w in self.workdirs]
    self._scan = jax.jit(functools.partial(scan_steps, self.gan.bind_train_step()),
                         donate_argnums=0)
    self.step_seconds: List[float] = []   # wall seconds per call / steps in it (all K seeds together)

  # ---------------------------------------------------------------- state
  def initial_states(self) -> TrainState:
    """Fresh states, or every seed's latest checkpoint when all seeds have the same latest step."""
    steps = [store.latest_step() for store in self.stores]
    if steps[0] is not None and all(s == steps[0] for s in steps):
      states = [gan.restore_state(store, steps[0])[0]
                for gan, store in zip(self.gans, self.stores)]
      print(f'multi-seed: resuming {len(states)} seeds from step {steps[0]}', flush=True)
    else:
      states = [gan.fresh_state() for gan in self.gans]
    return stack_states(states)

  def save(self, states: TrainState, step: int) -> None:
    for k, (gan, store) in enumerate(zip(self.gans, self.stores)):
      state = unstack_state(states, k)
      store.save(step, state, gan.checkpoint_meta(step, self.datasets[k].kind))
    for store in self.stores:
      store.wait()

  # ---------------------------------------------------------------- training
  def _batch_source(self, start: int) -> Callable[[int, int], np.ndarray]:
    """(step, num) -> images [num, K, n_critic * B, *example_shape], each seed from its own data stream: a
    step reads batches_per_step() batches of train.batch_size, as the loop does."""
    batch = self.config.train.batch_size * self.gan.batches_per_step()
    if all(bulk_supported(c) for c in self.configs):
      splits = {}   # one copy of the train split per distinct dataset (the seeds of a cell share it)
      for c, ds in zip(self.configs, self.datasets):
        splits.setdefault(_data_key(c), ds.split_arrays('train'))
      sources = [BulkBatches(c, ds, batch, splits[_data_key(c)]) for c, ds in zip(self.configs, self.datasets)]
      return lambda step, num: np.stack([src.batches(step, num) for src in sources], axis=1)
    iterators = [ds.train_iterator(batch, start_step=start) for ds in self.datasets]
    # tf.data fallback: must be called with consecutive steps, as the loop below does.
    return lambda step, num: np.stack(
        [np.stack([next(it)['image'] for _ in range(num)]) for it in iterators], axis=1)

  def _log(self, step: int, metrics: Dict[str, np.ndarray], seconds_per_step: float) -> None:
    for k, workdir in enumerate(self.workdirs):
      record = {name: float(np.mean(values[:, k])) for name, values in metrics.items()}
      record.update(step=step, step_time_all_seeds=seconds_per_step, finite=bool(
          all(np.isfinite(values[:, k]).all() for values in metrics.values())))
      with open(os.path.join(workdir, 'metrics.jsonl'), 'a') as f:
        f.write(json.dumps(record) + '\n')

  def train(self, states: Optional[TrainState] = None, until: Optional[int] = None,
            log: Callable[[str], None] = functools.partial(print, flush=True)) -> TrainState:
    """Runs until step `until` (default config.train.steps); checkpoints every config.checkpoint.every_steps
    (at call boundaries) and at the end. Returns the stacked final states. With a constant learning rate,
    stopping at `until` and continuing later is the same run as going straight through.

    The next call's batches are gathered while the device runs the current call (async dispatch)."""
    states = self.initial_states() if states is None else states
    start = int(jax.device_get(states.step[0]))
    total = self.config.train.steps if until is None else int(until)
    every = self.config.checkpoint.every_steps
    next_images = self._batch_source(start)
    step, last_saved = start, start
    num = min(self.steps_per_call, total - step)
    images = next_images(step, num) if num > 0 else None
    while step < total:
      began = time.perf_counter()
      states, metrics = self._scan(states, images)
      following = min(self.steps_per_call, total - step - num)
      if following > 0:
        images = next_images(step + num, following)
      metrics = jax.device_get(metrics)       # waits for the call
      seconds = (time.perf_counter() - began) / num
      self.step_seconds.append(seconds)
      step += num
      self._log(step, metrics, seconds)
      if every > 0 and step - last_saved >= every and step < total:
        self.save(states, step)
        last_saved = step
      log(f'multi-seed {self.seeds}: step {step}/{total}, {1e3 * seconds:.2f} ms/step for {len(self.seeds)} '
          f'seeds, g_loss {np.mean(metrics["g_loss"]):.3f} d_loss {np.mean(metrics["d_loss"]):.3f}')
      num = following
    if step > last_saved or self.stores[0].latest_step() is None:
      self.save(states, step)
    return states

  def steady_step_seconds(self) -> float:
    """Median wall seconds per step (all seeds together), excluding the first call (compilation)."""
    times = self.step_seconds[1:] or self.step_seconds
    return float(np.median(times)) if times else float('nan')

  # ---------------------------------------------------------------- evaluation
  def evaluate(self, states: TrainState, split: str = 'val') -> List[Dict[str, float]]:
    """Evaluates each seed's G (the EMA params; = G itself when ema.decay == 0) with the config's
    metrics; results land in each seed's workdir/eval/."""
    step = int(jax.device_get(states.step[0]))
    results = []
    for k in range(len(self.seeds)):   # the trainer's sampler: what launch.py --mode=evaluate samples with
      evaluator = Evaluator(self.configs[k], self.datasets[k], self.workdirs[k])
      results.append(evaluator.evaluate(self.gan.sample_fn(unstack_state(states, k)), split, step))
    return results

  def close(self) -> None:
    for store in self.stores:
      store.wait()
      store.close()
