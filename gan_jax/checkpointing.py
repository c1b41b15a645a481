"""Orbax checkpoints of the TrainState plus JSON metadata, and the check that a resume fits the config.

Layout: DIR/checkpoints/<step>/{state,meta} (latest `keep` kept) and DIR/checkpoints_best/<step>/ (keep 1).
Orbax writes to a temporary directory and renames it when complete, so a run killed mid-save leaves the
previous checkpoint as the latest loadable one. All processes call save/restore (Orbax is collective and
lets the primary process write the shared files).
"""

import hashlib
import json
import os
from typing import Any, Dict, Optional, Tuple

import jax
import ml_collections
import orbax.checkpoint as ocp

from gan_jax.errors import ConfigError

# Config fields that decide the shapes or the tree structure of the state. Saved with every checkpoint so
# a mismatching resume names the field that changed.
SHAPE_FIELDS = (
    'data.image_size', 'data.channels', 'model.name', 'model.latent_dim', 'model.g_width',
    'model.d_width', 'model.pack', 'model.g_depth', 'model.g_hidden', 'model.g_batch_norm',
    'model.d_depth', 'model.d_hidden', 'model.d_batch_norm', 'model.d_maxout_pieces', 'model.conditional',
    'model.num_classes', 'model.d_spectral_norm',
)


def shape_fields(config: ml_collections.ConfigDict) -> Dict[str, Any]:
  """The shape-determining config values, plus whether gradient clipping adds an optimiser-state node."""
  fields = {}
  for dotted in SHAPE_FIELDS:
    value = config
    for part in dotted.split('.'):
      value = value[part]
    fields[dotted] = value
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


class CheckpointStore:
  """One Orbax CheckpointManager holding items 'state' (StandardSave) and 'meta' (JSON)."""

  def __init__(self, directory: str, keep: int):
    self.directory = os.path.abspath(directory)
    options = ocp.CheckpointManagerOptions(max_to_keep=keep, create=True)
    # Handlers named up front: a fresh manager can then read the saved tree's metadata before restoring.
    self._manager = ocp.CheckpointManager(
        self.directory, options=options,
        item_handlers={'state': ocp.StandardCheckpointHandler(), 'meta': ocp.JsonCheckpointHandler()})

  def latest_step(self) -> Optional[int]:
    return self._manager.latest_step()

  def save(self, step: int, state, meta: Dict[str, Any]) -> None:
    """Starts an asynchronous save; the host copy is taken before returning, so `state` may be donated."""
    self._manager.save(step, args=ocp.args.Composite(
        state=ocp.args.StandardSave(state), meta=ocp.args.JsonSave(meta)), force=True)

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
    self._manager.wait_until_finished()

  def close(self) -> None:
    self._manager.close()
