"""Errors that gan_jax reports to users as one line, without a traceback."""


class ConfigError(ValueError):
  """A config value is invalid. The message names the key and what is allowed.

  `launch.py` prints it as one line and exits with status 2, before anything compiles.
  """


class DataError(RuntimeError):
  """A dataset cannot be read or prepared (not prepared, missing folder, ...).

  The message names the dataset or path and what to do about it.
  """


class NonFiniteLossError(RuntimeError):
  """Training produced NaN/Inf; the message names the step. No checkpoint is written from that state."""
