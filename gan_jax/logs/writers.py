"""RunLogger: console progress line, DIR/metrics.jsonl and TensorBoard events (clu metric_writers).

Only process 0 writes; other processes get a logger that does nothing.
"""

import json
import os
import sys
import tempfile
import time
from typing import Dict, Iterable, Sequence, Tuple

import numpy as np
from clu import metric_writers


def trim_jsonl(path: str, last_step: int) -> None:
  """Drops records after `last_step` (written by a run that died before its next checkpoint) and lines
  that are not JSON (the last one, cut by a kill or a full disk); rewrites the file atomically."""
  if not os.path.exists(path):
    return
  kept, unreadable = [], 0
  with open(path, errors='replace') as f:
    for line in f:
      try:
        record = json.loads(line)
      except ValueError:
        unreadable += bool(line.strip())
        continue
      if isinstance(record, dict) and record.get('step', 0) <= last_step:
        kept.append(line if line.endswith('\n') else line + '\n')
  if unreadable:
    print(f'warning: {path}: dropped {unreadable} unreadable line(s) (cut by a kill or a full disk)',
          file=sys.stderr, flush=True)
  write_atomically(path, ''.join(kept))


def write_atomically(path: str, text: str) -> None:
  """Writes `text` to `path` through a temporary file in the same directory and os.replace: a kill
  leaves either the old or the new file, never a partial one."""
  fd, tmp = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(path)), prefix=f'.{os.path.basename(path)}.')
  try:
    os.chmod(tmp, os.stat(path).st_mode & 0o777 if os.path.exists(path) else 0o644)
    with os.fdopen(fd, 'w') as f:
      f.write(text)
      f.flush()
      os.fsync(f.fileno())
    os.replace(tmp, path)
  except BaseException:
    if os.path.exists(tmp):
      os.remove(tmp)
    raise


def window_scalars(window: Sequence[Tuple[int, Dict[str, float]]], last_keys: Iterable[str] = ()
                   ) -> Dict[str, float]:
  """The scalars of a log window [(step, {name: value}), ...] (steps in order): each metric's mean over the
  window, except `last_keys` (a state, such as a growing network's resolution and fade alpha, not a noisy
  estimate), which take their value at the window's last step."""
  last = set(last_keys)
  return {k: float(window[-1][1][k]) if k in last else float(np.mean([m[k] for _, m in window]))
          for k in window[-1][1]}


class RunLogger:
  """Writes scalars and pictures for one run; `enabled=False` makes every call a no-op."""

  def __init__(self, workdir: str, total_steps: int, enabled: bool = True):
    self.enabled = enabled
    self.total_steps = total_steps
    self.jsonl_path = os.path.join(workdir, 'metrics.jsonl')
    self._writer = metric_writers.create_default_writer(
        workdir, just_logging=not enabled, asynchronous=False) if enabled else None

  def tensorboard_scalars(self, step: int, scalars: Dict[str, float]) -> None:
    """TensorBoard only (e.g. evaluation results, which have their own eval/results.jsonl)."""
    if self.enabled:
      self._writer.write_scalars(step, {k: float(v) for k, v in scalars.items()})

  def scalars(self, step: int, scalars: Dict[str, float], console_keys=()) -> None:
    """TensorBoard + one metrics.jsonl line + a console line with step, `console_keys`, images/sec, ETA."""
    if not self.enabled:
      return
    scalars = {k: float(v) for k, v in scalars.items()}
    self._writer.write_scalars(step, scalars)
    with open(self.jsonl_path, 'a') as f:
      f.write(json.dumps({'step': step, 'time': time.time(), **scalars}) + '\n')
    parts = [f'step {step}/{self.total_steps}']
    parts += [f'{k} {scalars[k]:.4f}' for k in console_keys if k in scalars]
    if 'images_per_sec' in scalars:
      parts.append(f'{scalars["images_per_sec"]:.0f} img/s')
      if 'steps_per_sec' in scalars and scalars['steps_per_sec'] > 0:
        parts.append(f'ETA {_duration((self.total_steps - step) / scalars["steps_per_sec"])}')
    print(' | '.join(parts), flush=True)

  def picture(self, step: int, name: str, picture: np.ndarray) -> None:
    """uint8 [H, W, C] picture into TensorBoard."""
    if self.enabled:
      self._writer.write_images(step, {name: picture[None]})

  def flush(self) -> None:
    if self.enabled:
      self._writer.flush()

  def close(self) -> None:
    if self.enabled:
      self._writer.close()


def _duration(seconds: float) -> str:
  seconds = int(max(seconds, 0))
  return f'{seconds // 3600:d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}'
