"""Orbax checkpoints of the TrainState plus JSON metadata, and the check that a resume fits the config.

Layout: DIR/checkpoints/<step>/{state,meta} (latest `keep` kept) and DIR/checkpoints_best/<step>/ (keep 1).
Orbax writes to a temporary directory and renames it when complete, so a run killed mid-save leaves the
previous checkpoint as the latest loadable one. All processes call save/restore (Orbax is collective and
lets the primary process write the shared files).

Damage: `restore_newest` tries the newest step first; one that cannot be read is reported in one line and
moved to <dir>/damaged/<step>-<time> (never deleted), and the next older one is tried. A save that runs
out of disk space raises DiskFullError naming the failed and the intact checkpoint.

Readers (sample, synthesize, evaluate: `CheckpointStore(..., read_only=True)`) never write: no directory
is created, no temporary directory of a trainer's in-flight save is cleaned up, a damaged step is named and
left where it is. They read the newest *complete* step while a trainer writes the next one; a step that the
trainer deletes (checkpoint.keep) while it is being read is not damage: the newest complete step is tried
again.
"""

import contextlib
import errno
import gc
import hashlib
import inspect
import json
import os
import sys
import time
from typing import Any, Callable, Dict, Optional, Tuple

import jax
import ml_collections
import numpy as np
import orbax.checkpoint as ocp

from gan_jax.core import schema
from gan_jax.core.errors import CheckpointError, ConfigError, DiskFullError

# Config fields that decide the shapes or the tree structure of the state (declared in the schema). Saved
# with every checkpoint so a mismatching resume names the field that changed.
SHAPE_FIELDS = schema.keys_with(schema.SHAPE)


def checkpoint_dir(workdir: str, best: bool = False) -> str:
  """DIR/checkpoints (every checkpoint.every_steps) or DIR/checkpoints_best (eval.best_metric's best)."""
  return os.path.join(os.path.abspath(workdir), 'checkpoints_best' if best else 'checkpoints')


def shape_fields(config: ml_collections.ConfigDict) -> Dict[str, Any]:
  """The shape-determining config values, plus whether gradient clipping adds an optimiser-state node."""
  fields = {dotted: schema.value(config, dotted) for dotted in SHAPE_FIELDS}
  fields['optim.grad_clip > 0'] = bool(config.optim.grad_clip > 0)
  return fields


def fields_hash(fields: Dict[str, Any]) -> str:
  return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()[:16]


def _path_name(path) -> str:
  parts = []
  for entry in path:
    for attr in ('key', 'name', 'idx'):
      if hasattr(entry, attr):
        parts.append(str(getattr(entry, attr)))
        break
  return '/'.join(parts)


def _leaf_shapes(tree) -> Dict[str, Tuple[int, ...]]:
  leaves = jax.tree_util.tree_flatten_with_path(tree, is_leaf=lambda x: hasattr(x, 'shape'))[0]
  return {_path_name(path): tuple(leaf.shape) for path, leaf in leaves}


@contextlib.contextmanager
def _abandoned_reads_silenced():
  """Reading a damaged step makes orbax abandon its other array reads as coroutines; when they are collected
  Python prints 'Exception ignored in: <coroutine ...>' with a traceback, after the one-line warning that
  already says the step is damaged. Collects them here without that print (other unraisable errors print)."""
  previous = sys.unraisablehook

  def hook(unraisable):
    if not inspect.iscoroutine(unraisable.object):
      previous(unraisable)

  sys.unraisablehook = hook
  try:
    yield
  finally:
    gc.collect()
    sys.unraisablehook = previous


_READ_ATTEMPTS = 20   # a reader retries this often when a trainer deletes the step it was reading


class CheckpointStore:
  """One Orbax CheckpointManager holding items 'state' (StandardSave) and 'meta' (JSON).

  read_only=True (readers): Orbax's read-only manager (no directory created, no cleanup of temporary
  directories, no deletion) and damaged steps are not moved; `save` is refused.
  """

  def __init__(self, directory: str, keep: int, read_only: bool = False):
    self.directory = os.path.abspath(directory)
    self.read_only = read_only
    if read_only:   # every writing option off, so that Orbax has nothing to warn about
      options = ocp.CheckpointManagerOptions(read_only=True, create=False, cleanup_tmp_directories=False,
                                             max_to_keep=None, save_interval_steps=0)
    else:
      # cleanup_tmp_directories: a save that failed (full disk, kill) leaves <step>.orbax-checkpoint-tmp*.
      # Only the training process (which holds the workdir lock) opens a writing store.
      options = ocp.CheckpointManagerOptions(max_to_keep=keep, create=True, cleanup_tmp_directories=True)
    # Handlers named up front: a fresh manager can then read the saved tree's metadata before restoring.
    open_manager = lambda: ocp.CheckpointManager(
        self.directory, options=options,
        item_handlers={'state': ocp.StandardCheckpointHandler(), 'meta': ocp.JsonCheckpointHandler()})
    self._manager = self._despite_deletions(open_manager) if read_only else open_manager()
    self._in_flight = (None, None)   # (step being saved, latest complete step when it started)

  def _despite_deletions(self, fn: Callable[[], Any]) -> Any:
    """fn(), tried again when a step it was listing vanished: a training run in the same workdir deletes its
    old steps (checkpoint.keep) at any moment, so a reader's listing can meet a step that just went."""
    for _ in range(_READ_ATTEMPTS):
      try:
        return fn()
      except FileNotFoundError:
        continue
    raise CheckpointError(f'{self.directory}: the checkpoints changed under every one of {_READ_ATTEMPTS} '
                          'listings (a training run deleting them?); try again')

  def latest_step(self) -> Optional[int]:
    return self._manager.latest_step()

  def save(self, step: int, state, meta: Dict[str, Any]) -> None:
    """Starts an asynchronous save; the host copy is taken before returning, so `state` may be donated."""
    if self.read_only:
      raise RuntimeError(f'{self.directory} was opened read-only: a reader never saves')
    self.wait()   # Orbax waits for the previous save anyway; its failure is reported as that save's
    self._in_flight = (step, self._manager.latest_step())
    with self._disk_full_reported():
      self._manager.save(step, args=ocp.args.Composite(
          state=ocp.args.StandardSave(state), meta=ocp.args.JsonSave(meta)), force=True)

  @contextlib.contextmanager
  def _disk_full_reported(self):
    try:
      yield
    except Exception as e:  # pylint: disable=broad-except  (Orbax/TensorStore wrap ENOSPC in several types)
      if not is_no_space(e):
        raise
      failed, intact = self._in_flight
      intact = f'{self.directory}/{intact}' if intact is not None else 'none (no checkpoint was complete)'
      raise DiskFullError(f'no space left on device while saving checkpoint {self.directory}/{failed}; '
                          f'the latest intact checkpoint is {intact}; free space and run again') from None

  def restore_newest(self, restore: Callable[[int], Any]) -> Tuple[Optional[int], Any]:
    """(step, restore(step)) for the newest step that can be read; (None, None) when there is none.

    A step whose restore raises anything but ConfigError (a config that does not fit, not damage) is
    damaged: a one-line warning names it, it is moved to <dir>/damaged/<step>-<time> once an older step
    was read (read-only stores leave it in place), and the next older step is tried. CheckpointError when
    no step can be read (nothing moved).
    """
    for _ in range(_READ_ATTEMPTS):
      found = self._restore_newest_once(restore)
      if found is not None:
        return found
      self._despite_deletions(self._manager.reload)   # a trainer deleted what was being read: newer steps are complete
    raise CheckpointError(f'{self.directory}: the checkpoints changed under every one of {_READ_ATTEMPTS} reads '
                          '(a training run deleting them?); try again')

  def _restore_newest_once(self, restore: Callable[[int], Any]) -> Optional[Tuple[Optional[int], Any]]:
    """restore_newest's one pass over the steps; None when a read-only store saw a step vanish mid-read."""
    damaged = []
    for step in sorted(self._manager.all_steps(), reverse=True):
      with _abandoned_reads_silenced():
        try:
          value, why = restore(step), None
        except ConfigError:
          raise
        except Exception as e:  # pylint: disable=broad-except  (every kind of damage raises its own type)
          value, why = None, _one_line(e)   # keep the words only: the exception holds orbax's pending reads
      if why is not None and self.read_only and not os.path.isdir(os.path.join(self.directory, str(step))):
        return None   # deleted by the trainer (checkpoint.keep) while being read: not damage
      if not _all_processes_agree(why is None):
        damaged.append((step, why or 'unreadable on another process'))
        continue
      self._set_aside(damaged, step)
      return step, value
    if damaged:
      raise CheckpointError(f'no readable checkpoint in {self.directory} (damaged: '
                            + '; '.join(f'step {s}: {why}' for s, why in damaged)
                            + '); move them away to start again from step 0, or use another --workdir')
    return None, None

  def _set_aside(self, damaged, restored: int) -> None:
    """Moves each damaged (step, reason) to <dir>/damaged/<step>-<UTC time>, one warning line each."""
    if not damaged:
      return
    if self.read_only:   # a reader names the damage and moves nothing (a trainer may own the directory)
      for step, why in damaged:
        print(f'warning: checkpoint {self.directory}/{step} is damaged ({why}); left in place (a reader moves '
              f'nothing; the next training run sets it aside); using step {restored}', file=sys.stderr, flush=True)
      return
    stamp = time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())
    for step, why in damaged:
      target = os.path.join(self.directory, 'damaged', f'{step}-{stamp}')
      if jax.process_index() == 0:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        os.replace(os.path.join(self.directory, str(step)), target)
        print(f'warning: checkpoint {self.directory}/{step} is damaged ({why}); moved to {target}; using step {restored}',
              file=sys.stderr, flush=True)
    if jax.process_count() > 1:
      from jax.experimental import multihost_utils  # pylint: disable=g-import-not-at-top
      multihost_utils.sync_global_devices('gan_jax: damaged checkpoints set aside')
    self._manager.reload()

  def read_meta(self, step: int) -> Dict[str, Any]:
    return self._manager.restore(step, args=ocp.args.Composite(meta=ocp.args.JsonRestore())).meta

  def restore(self, step: int, target, fields: Dict[str, Any]):
    """Restores `step` onto `target` (abstract state with shardings) -> (state, meta).

    ConfigError (one line) when the saved state's shapes differ from `target`'s, naming the config
    fields that changed since the checkpoint was written.
    """
    self.check_compatible(step, target, fields)
    restored = self._manager.restore(step, args=ocp.args.Composite(
        state=ocp.args.StandardRestore(target), meta=ocp.args.JsonRestore()))
    return restored.state, restored.meta

  def check_compatible(self, step: int, target, fields: Dict[str, Any]) -> None:
    meta = self.read_meta(step)
    saved_tree = self._manager.item_metadata(step)['state']
    saved = _leaf_shapes(getattr(saved_tree, 'tree', saved_tree))
    wanted = _leaf_shapes(target)
    if saved == wanted:
      return
    changed = [f'{k}: {meta["shape_fields"].get(k)!r} -> {v!r}'
               for k, v in fields.items() if meta.get('shape_fields', {}).get(k) != v]
    if not changed:
      diff = sorted(set(saved.items()) ^ set(wanted.items()))
      changed = [f'state leaf {diff[0][0]} {diff[0][1]}']
    raise ConfigError(
        f'checkpoint {self.directory}/{step} was written with a different model/optimiser shape '
        f'({"; ".join(changed)}); use the config it was trained with or a new --workdir')

  def wait(self) -> None:
    with self._disk_full_reported():
      self._manager.wait_until_finished()

  def close(self) -> None:
    self._manager.close()


@contextlib.contextmanager
def no_space_reported(directory: str):
  """Turns ENOSPC raised anywhere in the block (logs, pictures, saves) into one DiskFullError line that
  names the latest intact checkpoint in `directory`."""
  try:
    yield
  except DiskFullError:
    raise
  except Exception as e:  # pylint: disable=broad-except
    if not is_no_space(e):
      raise
    steps = [int(n) for n in os.listdir(directory) if n.isdigit()] if os.path.isdir(directory) else []
    intact = f'{directory}/{max(steps)}' if steps else 'none'
    where = getattr(e, 'filename', None) or 'the workdir'
    raise DiskFullError(f'no space left on device while writing {where}; the latest intact checkpoint is '
                        f'{intact}; free space and run again') from None


def is_no_space(error: BaseException) -> bool:
  """Whether `error` (or what caused it) is ENOSPC, however Orbax/TensorStore wrapped it."""
  seen = set()
  while error is not None and id(error) not in seen:
    seen.add(id(error))
    if isinstance(error, OSError) and error.errno == errno.ENOSPC:
      return True
    if 'No space left on device' in str(error) or 'RESOURCE_EXHAUSTED: Error writing' in str(error):
      return True
    error = error.__cause__ or error.__context__
  return False


def _one_line(error: BaseException, limit: int = 160) -> str:
  text = ' '.join(f'{type(error).__name__}: {error}'.split())
  return text if len(text) <= limit else text[:limit - 3] + '...'


def _all_processes_agree(ok: bool) -> bool:
  """True when `ok` holds on every process (one small all-gather with several processes)."""
  if jax.process_count() == 1:
    return ok
  from jax.experimental import multihost_utils  # pylint: disable=g-import-not-at-top
  return bool(np.all(multihost_utils.process_allgather(np.array([ok]))))
