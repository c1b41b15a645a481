"""The workdir, checked before anything else happens: a writable directory, and one training run at a time.

`check_workdir` runs first in launch.py (before data preparation or compilation): a workdir that is a
file, sits under a file or cannot be written is a one-line ConfigError. `lock_workdir` holds an exclusive
fcntl lock on DIR/.lock for the life of a training process: a second run on the same workdir refuses, and
the lock goes with the process however it ends (the kernel drops it, even after SIGKILL).
"""

import fcntl
import os
import tempfile
from typing import IO, Optional

from gan_jax.core.errors import ConfigError

_held: Optional[IO] = None   # the open lock file: the lock lives as long as it stays open


def check_workdir(workdir: str, create: bool = True) -> str:
  """Creates `workdir` if needed and proves it writable; returns its absolute path. ConfigError otherwise.

  create=False (modes that read a trained workdir): a workdir that does not exist is a ConfigError, and
  nothing is created (a mistyped path stays a mistake, not a new empty folder).
  """
  if not workdir:
    raise ConfigError('--workdir is empty: give the directory for checkpoints, logs and samples')
  path = os.path.abspath(workdir)
  if not create and not os.path.isdir(path):
    raise ConfigError(f'--workdir={workdir} is not a directory with checkpoints (it does not exist); train first '
                      '(--mode=train) or check the path')
  existing = path
  while not os.path.lexists(existing):
    existing = os.path.dirname(existing)
  if not os.path.isdir(existing):
    where = 'is a file' if existing == path else f'is under {existing}, which is a file'
    where = where if os.path.exists(existing) else 'is a dangling link'
    raise ConfigError(f'--workdir={workdir} {where}, not a directory; choose another --workdir')
  try:
    os.makedirs(path, exist_ok=True)
    fd, probe = tempfile.mkstemp(dir=path, prefix='.write_test.')
    os.close(fd)
    os.remove(probe)
  except OSError as e:
    raise ConfigError(f'--workdir={workdir} cannot be written ({e.strerror}: {e.filename}); choose a directory '
                      'you can write to, or fix its permissions') from None
  return path


def lock_workdir(workdir: str) -> None:
  """Takes DIR/.lock for this process (call once, on process 0 of a training run); ConfigError if another
  live process holds it. The file is created once and never written, so a refused run changes nothing."""
  global _held
  path = os.path.join(os.path.abspath(workdir), '.lock')
  handle = open(path, 'a')   # pylint: disable=consider-using-with  (held open on purpose)
  try:
    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
  except BlockingIOError:
    handle.close()
    raise ConfigError(f'--workdir={workdir} is in use by another training run (it holds {path}); wait for it '
                      'to end or choose another --workdir') from None
  _held = handle
