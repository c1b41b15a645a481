"""Stopping a run at a step boundary on SIGTERM (preemption notices: SLURM, GKE, TPU VMs) or SIGINT (Ctrl-C).

One process: Python handlers set a flag that the loop reads after each step (a Python attribute: no device
sync). Several processes (jax.distributed): JAX's preemption sync manager catches SIGTERM and lets all
processes agree on the step to stop at (`multihost_utils.reached_preemption_sync_point`, called every step,
as Orbax's `CheckpointManager.reached_preemption` does); SIGINT is turned into SIGTERM so Ctrl-C goes the
same way. Outside the step loop (data preparation, compilation, the final evaluation) a signal stops the
run at once: no training step is lost there (before the first step nothing is unsaved; after the last one
the final checkpoint is complete). The process ends there with os._exit after its one line: raising an
exception from inside TensorFlow's or XLA's start-up work and unwinding through it crashed the interpreter
at exit (a segfault in 4 of 6 tries). A second signal stops at once (the default handlers return).
"""

import os
import signal
import sys
from typing import Optional

import jax
from jax.experimental import multihost_utils

from gan_jax.core.errors import RunStopped

SIGNALS = (signal.SIGTERM, signal.SIGINT)
_DEFAULTS = {signal.SIGTERM: signal.SIG_DFL, signal.SIGINT: signal.default_int_handler}


class StopSignals:
  """Context manager: installs the handlers on entry, restores the previous ones on exit."""

  def __init__(self):
    self.multi = jax.process_count() > 1
    self.received: Optional[int] = None
    self._deferring = False
    self._outside = 'before the first training step; nothing to save'
    self._previous = {}

  def __enter__(self) -> 'StopSignals':
    for sig in SIGNALS:
      if self.multi and sig == signal.SIGTERM:
        continue   # JAX's preemption notifier owns SIGTERM
      self._previous[sig] = signal.signal(sig, self._handle)
    return self

  def __exit__(self, *exc) -> None:
    for sig, handler in self._previous.items():
      signal.signal(sig, handler)

  def _handle(self, signum, frame) -> None:
    del frame
    self.received = signum
    for sig in SIGNALS:
      if sig in self._previous:
        signal.signal(sig, _DEFAULTS[sig])
    if self.multi:
      os.kill(os.getpid(), signal.SIGTERM)   # to the preemption sync manager, which tells the other processes
    elif not self._deferring:   # nothing unsaved: end now, without unwinding through TF/XLA work in progress
      print(f'stopped by {signal.Signals(signum).name} {self._outside}', file=sys.stderr, flush=True)
      sys.stdout.flush()
      os._exit(128 + signum)   # pylint: disable=protected-access

  def defer(self) -> None:
    """From here until `after_loop`, a signal only marks the run for stopping at the next step boundary."""
    self._deferring = True

  def reached(self, step: int) -> bool:
    """Whether to save `step` and stop; the same answer on every process. Call after every step."""
    if self.multi:
      return multihost_utils.reached_preemption_sync_point(step)
    return self.received is not None

  def stopped(self, where: str) -> RunStopped:
    """The exception to raise once the stop step is saved; `where` says what was saved."""
    name = signal.Signals(self.received).name if self.received else 'a preemption notice (SIGTERM)'
    return RunStopped(f'stopped by {name} {where}; run the same command to resume',
                      128 + (self.received or signal.SIGTERM))

  def after_loop(self, where: str) -> None:
    """Back to stopping at once (raises now if a signal came during the last step)."""
    self._deferring = False
    self._outside = where
    if self.received is not None and not self.multi:
      raise self.stopped(where)
