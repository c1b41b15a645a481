"""The line protocol between benchmarks/run.py (controller) and one benchmark worker process.

Each configuration runs in its own process so its peak memory is its own. The controller keeps the
workers of one shape alive together and asks them in turn for rounds of timed steps, so slow drift
of the machine (other jobs, thermal) hits every framework alike.

Worker -> controller: lines `BENCH <json>` on stdout (anything else on stdout is ignored):
  {"event": "ready", ...build facts: compile_s, flops_per_step, device, ...}
  {"event": "times", "step_s": [...], "cpu_s": [...]}   answer to `measure N` (wall, process CPU)
  {"event": "final", "peak_rss_mb": ..., "device_peak_bytes": ...}   answer to `quit`
  {"event": "error", "message": "..."}          the worker failed; it exits after this line
Controller -> worker: lines `measure N` and `quit` on stdin.
"""

import json
import resource
import sys
import time
import traceback
from typing import Callable, Dict, Optional, Tuple

PREFIX = 'BENCH '


def emit(event: str, **fields) -> None:
  sys.stdout.write(PREFIX + json.dumps({'event': event, **fields}) + '\n')
  sys.stdout.flush()


def parse(line: str) -> Optional[dict]:
  """The message on a worker's stdout line, or None for any other output."""
  if not line.startswith(PREFIX):
    return None
  return json.loads(line[len(PREFIX):])


def peak_rss_mb() -> float:
  """Peak resident set size of this process in MiB (Linux reports ru_maxrss in KiB)."""
  return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def time_steps(run_step: Callable[[], None], num_steps: int) -> Tuple[list, list]:
  """(wall seconds, process CPU seconds) of each of `num_steps` calls; run_step must block until its
  results exist. CPU time (all threads of this process) is the steadier number on a shared machine:
  it does not grow while the process waits for a core, only when it spins or loses cache."""
  wall, cpu = [], []
  for _ in range(num_steps):
    start, start_cpu = time.perf_counter(), time.process_time()
    run_step()
    wall.append(time.perf_counter() - start)
    cpu.append(time.process_time() - start_cpu)
  return wall, cpu


def serve(build: Callable[[], Dict], run_step_key: str = 'run_step') -> None:
  """Runs a worker: build() returns the ready facts plus `run_step` (blocking) and `device_peak_bytes`
  (callable returning the accelerator's peak memory in bytes, or None); then answers the controller."""
  try:
    built = build()
    run_step = built.pop(run_step_key)
    device_peak = built.pop('device_peak_bytes')
    emit('ready', **built)
    for line in sys.stdin:
      command = line.split()
      if not command:
        continue
      if command[0] == 'measure':
        wall, cpu = time_steps(run_step, int(command[1]))
        emit('times', step_s=wall, cpu_s=cpu)
      elif command[0] == 'quit':
        break
    emit('final', peak_rss_mb=peak_rss_mb(), device_peak_bytes=device_peak())
  except Exception as error:  # Reported to the controller, which records it in the results table.
    traceback.print_exc(file=sys.stderr)
    emit('error', message=f'{type(error).__name__}: {error}'.splitlines()[0][:300])
    sys.exit(1)
