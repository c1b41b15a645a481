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


class CheckpointError(RuntimeError):
  """No checkpoint of the workdir can be read (each damaged one is named); `launch.py` exits with status 2."""


class DiskFullError(RuntimeError):
  """No space left on the device while saving; the message names the failed and the intact checkpoint."""


class RunStopped(RuntimeError):
  """SIGTERM/SIGINT ended the run at a step boundary, after its checkpoint was saved (message: where).

  `exit_code` is the shell's code for the signal (128 + signal number), so a job script sees that the run
  did not finish.
  """

  def __init__(self, message: str, exit_code: int):
    super().__init__(message)
    self.exit_code = exit_code
