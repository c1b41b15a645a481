"""What a resume may change, checked before anything is written, and the history of a workdir's configs.

DIR/config.json is the config of the latest run in DIR; DIR/config_history/<n>-step<start>.json keeps
each config DIR was trained with (a new entry when it differs from the previous one).

- Data identity (the keys that decide which examples are in train/val/test): a change refuses the resume
  (ConfigError, exit 2), since val/test could then hold examples the model trained on. The keys that
  decide which examples are in train only (train_fraction, the long tail, the synthetic mix) are refused
  too: the run would continue on other data than it started with; a new --workdir makes that explicit.
- train.steps below the latest checkpoint: refused (nothing left to train; say what to do instead).
- Any other change (batch size, seed, learning rate, ...): allowed, with one warning line naming the keys.
"""

import json
import os
import sys
from typing import Any, Dict, List, Optional

import ml_collections

from gan_jax.core import runtime, schema
from gan_jax.core.errors import ConfigError
from gan_jax.logs.writers import write_atomically

# Declared in the schema: keys that decide split membership (refused on resume: val/test could hold
# training examples), which examples are in the train split (refused too), and where or how long a run goes
# (changed without a warning).
DATA_IDENTITY = schema.keys_with(schema.DATA_IDENTITY)
TRAIN_MEMBERSHIP = schema.keys_with(schema.TRAIN_MEMBERSHIP)
FREE_TO_CHANGE = schema.keys_with(schema.FREE)


def _flatten(tree: Dict[str, Any], prefix: str = '') -> Dict[str, Any]:
  flat = {}
  for key, value in tree.items():
    if isinstance(value, dict) and value:
      flat.update(_flatten(value, f'{prefix}{key}.'))
    else:
      flat[f'{prefix}{key}'] = value
  return flat


def _as_plain(config: ml_collections.ConfigDict) -> Dict[str, Any]:
  return json.loads(config.to_json_best_effort(sort_keys=True))


def _matches(key: str, prefixes) -> bool:
  return any(key == p or key.startswith(p + '.') for p in prefixes)


def _read_json(path: str) -> Optional[Dict[str, Any]]:
  try:
    with open(path) as f:
      return json.load(f)
  except (OSError, ValueError):
    return None


def _saved_config(workdir: str) -> Optional[Dict[str, Any]]:
  path = os.path.join(workdir, 'config.json')
  saved = _read_json(path)
  if saved is None and os.path.exists(path):
    print(f'warning: {path} is not readable JSON; the resume is not checked against it', file=sys.stderr)
  return saved


def check_resume(config: ml_collections.ConfigDict, workdir: str, latest_step: Optional[int],
                 warn: bool = True) -> List[str]:
  """Raises ConfigError for a resume that must not happen; returns (and warns about) the other changed keys.

  Reads only: call it before the run writes anything, so that a refusal leaves the workdir untouched.
  """
  if latest_step is None:
    return []
  if config.train.steps < latest_step:
    raise ConfigError(f'train.steps={config.train.steps} is below the latest checkpoint (step {latest_step}) in '
                      f'{workdir}: nothing to train; pass --config.train.steps>={latest_step} to continue, or '
                      'use --mode=sample / --mode=evaluate')
  saved = _saved_config(workdir)
  if saved is None:
    return []
  before, now = _flatten(saved), _flatten(_as_plain(config))
  # Keys only one side has (a config from an older gan_jax) are not changes of this run's settings.
  changed = sorted(k for k in set(before) & set(now) if before[k] != now[k])
  for prefixes, what in ((DATA_IDENTITY, 'the data splits would change (val/test could hold training examples)'),
                         (TRAIN_MEMBERSHIP, 'the train split would hold other examples than the run started with')):
    identity = [k for k in changed if _matches(k, prefixes)]
    if identity:
      key = identity[0]
      raise ConfigError(f'{key}={now[key]!r} differs from {before[key]!r}, the value {workdir} was trained '
                        f'with: {what}; use the old value or a new --workdir')
  others = [k for k in changed if not _matches(k, FREE_TO_CHANGE)]
  if others and warn:
    warn_changes(config, workdir, others)
  return others


def warn_changes(config: ml_collections.ConfigDict, workdir: str, keys: List[str]) -> None:
  """One warning line naming each changed key with its old and new value (keys from `check_resume`).
  Training prints it once the checkpoint was restored, so a resume refused for its shape prints only that."""
  saved = _saved_config(workdir)
  if not keys or saved is None:
    return
  before, now = _flatten(saved), _flatten(_as_plain(config))
  listed = ', '.join(f'{k} {before[k]!r} -> {now[k]!r}' for k in keys)
  print(f'warning: resuming with a changed config: {listed} (history in {workdir}/config_history/)',
        file=sys.stderr, flush=True)


def record_config(config: ml_collections.ConfigDict, workdir: str, start_step: int) -> None:
  """Writes DIR/config.json and, when the config changed, a new DIR/config_history/ entry (atomically)."""
  text = runtime.config_json(config)   # the config + backend, device kind and counts under 'runtime'
  history = os.path.join(workdir, 'config_history')
  os.makedirs(history, exist_ok=True)
  entries = sorted(n for n in os.listdir(history) if n.endswith('.json'))
  saved = _read_json(os.path.join(workdir, 'config.json'))
  if not entries and saved is not None and start_step > 0:   # a workdir from before the history existed
    write_atomically(os.path.join(history, '000-earlier.json'), json.dumps(saved, indent=2, sort_keys=True))
    entries.append('000-earlier.json')
  previous = _read_json(os.path.join(history, entries[-1])) if entries else None
  if previous is None or _flatten(previous) != _flatten(json.loads(text)):
    write_atomically(os.path.join(history, f'{len(entries):03d}-step{start_step}.json'), text)
  write_atomically(os.path.join(workdir, 'config.json'), text)
