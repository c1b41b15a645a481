"""launch.py's command line: config mistakes and run errors as one line `error: ...`, never a traceback.

absl and ml_collections report a misspelt key, a missing or broken config file, an unknown `:switch` or a
wrong-typed value while parsing flags, before main() runs; `parse_flags` (absl's `flags_parser`) turns
each into one line naming the culprit and exit status 2 (a misspelt key: the schema's message, with the
closest key). `reported_errors` maps the errors of a run to
their exit status: 2 for bad input (config, data, unreadable checkpoints), 1 for a failed run (NaN, full
disk), 128 + signal number for a run stopped by SIGTERM/SIGINT after saving.
"""

import contextlib
import logging
import os
import re
import sys
from typing import List, Optional

from absl import flags

from gan_jax.core.errors import (CheckpointError, ConfigError, DataError, DiskFullError, NonFiniteLossError,
                            RunStopped)

FLAGS = flags.FLAGS


def fail(message: str, status: int = 2) -> None:
  """Prints `error: <message>` (one line) and exits with `status`."""
  print('error: ' + ' '.join(str(message).split()), file=sys.stderr, flush=True)
  sys.exit(status)


def parse_flags(argv: List[str]) -> List[str]:
  """absl flags_parser: parses argv and loads --config; any mistake -> `fail` (exit 2)."""
  try:
    rest = FLAGS(argv)
    config = FLAGS.config
    list(config.keys())   # a config file that failed to load raises here (ml_collections defers it)
    if not FLAGS.workdir:
      raise ConfigError('--workdir is empty: give the directory for checkpoints, logs and samples')
  except Exception as e:  # pylint: disable=broad-except  (every parse failure becomes one line)
    fail(describe_flag_error(e, argv))
  return rest


def _config_arg(argv: List[str]) -> str:
  for i, arg in enumerate(argv):
    if arg.startswith('--config='):
      return arg[len('--config='):]
    if arg == '--config' and i + 1 < len(argv):
      return argv[i + 1]
  return ''


def _bad_key(argv: List[str]) -> Optional[str]:
  """The schema's one line for the first --config.<key> override naming a key gan_jax does not have."""
  from gan_jax.core import schema  # pylint: disable=g-import-not-at-top
  for arg in argv:
    if arg.startswith('--config.'):
      message = schema.unknown_key(arg[len('--config.'):].split('=', 1)[0])
      if message:
        return message
  return None


def describe_flag_error(error: BaseException, argv: List[str]) -> str:
  """One line naming what is wrong with the command line."""
  chain = []
  while error is not None and error not in chain:
    chain.append(error)
    error = error.__cause__ or error.__context__
  error = chain[0]
  for e in chain:
    if isinstance(e, SyntaxError):
      return f'{e.filename}:{e.lineno}: syntax error in the config file: {e.msg}'
  if isinstance(error, ConfigError):
    return str(error)
  bad_key = _bad_key(argv) if any(isinstance(e, (KeyError, AttributeError)) for e in chain) else None
  if bad_key:
    return bad_key
  config_arg = _config_arg(argv)
  config_file = config_arg.split(':', 1)[0]
  text = '\n'.join(str(e) for e in chain)
  if 'Failed loading config file' in text:
    why = 'no such file' if not os.path.exists(config_file) else text.strip().splitlines()[-1].strip()
    return f'--config={config_arg}: cannot load the config file ({why})'
  if "has no attribute 'get_config'" in text:
    return f'--config={config_arg}: the file has no get_config() function'
  if 'Error whilst parsing config file' in text:   # get_config raised (e.g. an unknown :switch)
    return f'--config={config_arg}: {text.strip().splitlines()[-1].strip()}'
  wrong_type = re.match(r'flag (--config\.[\w.]+)=(.*?): (.*)', str(error), re.S)
  if wrong_type:
    name, value, why = wrong_type.groups()
    return f'{name}={value} has the wrong type ({why.splitlines()[0]})'
  if isinstance(error, flags.Error):
    return str(error).splitlines()[0]
  first = str(error).strip().splitlines()
  return f'--config={config_arg}: {type(error).__name__}: {first[-1] if first else ""}'


@contextlib.contextmanager
def reported_errors():
  """Maps a run's errors to one line and an exit status (see the module docstring)."""
  try:
    yield
  except (ConfigError, DataError, CheckpointError) as e:
    fail(str(e), 2)
  except NonFiniteLossError as e:
    fail(str(e), 1)
  except RunStopped as e:
    print(' '.join(str(e).split()), file=sys.stderr, flush=True)
    sys.exit(e.exit_code)
  except DiskFullError as e:
    print('error: ' + ' '.join(str(e).split()), file=sys.stderr, flush=True)
    os._exit(1)   # pylint: disable=protected-access  (Orbax's failed save threads would print at shutdown)


class _DropBackgroundSaveNoise(logging.Filter):
  """Orbax logs each failed background write (with its traceback), and asyncio each future nobody awaited;
  the save or restore raises the same error in the main thread, which reports it in one line."""

  PATTERNS = ('Task exception was never retrieved', 'Event loop is closed')

  def filter(self, record: logging.LogRecord) -> bool:
    if 'Given directory is read only' in str(record.msg):   # every reader opens checkpoints read-only on purpose
      return False
    if 'Metadata file does not exist' in str(record.msg):   # a reader listing a step a trainer is writing/deleting
      return False
    if record.name.startswith('matplotlib') and record.levelno < logging.ERROR:
      return False   # TF's keras imports matplotlib when installed (gan_jax does not use it): e.g. its cache-dir notes
    if record.levelno < logging.ERROR:
      return True
    message = str(record.msg)
    from_orbax = 'orbax' in record.pathname.replace(os.sep, '/').split('/')
    failure = any(word in message.lower() for word in ('fail', 'raised an exception'))
    return not ((from_orbax and failure) or any(p in message for p in self.PATTERNS))


def quiet_background_noise() -> None:
  """Installs the log filter above, and drops the 'Event loop is closed' errors of TensorStore callbacks
  that arrive after a failed read or write was already raised in the main thread (TensorStore reports
  them through sys.unraisablehook, Python code through sys.excepthook)."""
  from absl import logging as absl_logging  # pylint: disable=g-import-not-at-top
  absl_logging.get_absl_handler().addFilter(_DropBackgroundSaveNoise())
  closed_loop = lambda value: isinstance(value, RuntimeError) and 'Event loop is closed' in str(value)
  excepthook, unraisablehook = sys.excepthook, sys.unraisablehook

  def quiet_excepthook(kind, value, traceback):
    if not closed_loop(value):
      excepthook(kind, value, traceback)

  def quiet_unraisablehook(unraisable):
    if not closed_loop(unraisable.exc_value):
      unraisablehook(unraisable)

  sys.excepthook, sys.unraisablehook = quiet_excepthook, quiet_unraisablehook
