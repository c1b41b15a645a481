"""SIGTERM / SIGINT during training: the current step is saved, one line says where, no traceback, and
running the same command again ends bitwise where the uninterrupted reference run (`tiny_run`) ended."""

import json
import os
import re
import signal
import subprocess
import time

import jax
import numpy as np
import pytest

from run_helpers import TINY_RUN_CONFIG, TINY_RUN_FLAGS, launch_command, read_checkpoint, subprocess_env


def _start(workdir, data_dir):
  return subprocess.Popen(launch_command(TINY_RUN_CONFIG, workdir, *TINY_RUN_FLAGS, f'--config.data.data_dir={data_dir}'),
                          env=subprocess_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for(path, proc, timeout=300):
  deadline = time.time() + timeout
  while not os.path.exists(path) and proc.poll() is None and time.time() < deadline:
    time.sleep(0.02)


@pytest.mark.parametrize('sig', [signal.SIGTERM, signal.SIGINT], ids=['SIGTERM', 'SIGINT'])
def test_signal_saves_current_step_and_rerun_is_bitwise_identical(sig, tiny_run, run_launch, data_dir, tmp_path):
  proc = _start(tmp_path, data_dir)
  _wait_for(tmp_path / 'checkpoints' / '3', proc)   # in the step loop (steps 4..9 left; the grid at 7 is slow)
  proc.send_signal(sig)
  _, stderr = proc.communicate(timeout=120)
  assert proc.returncode == 128 + sig, stderr[-3000:]
  lines = [line for line in stderr.splitlines() if line.strip()]
  assert len(lines) == 1 and 'Traceback' not in stderr, stderr[-3000:]
  found = re.fullmatch(rf'stopped by {sig.name} (?:at step (\d+): saved |after the last step: )(\S+?)(?: is saved)?; '
                       r'run the same command to resume', lines[0])
  assert found, lines[0]
  saved = found.group(2)
  step = int(os.path.basename(saved))
  assert saved == f'{tmp_path}/checkpoints/{step}' and 3 < step <= 9
  assert int(read_checkpoint(tmp_path, step)['step']) == step   # complete and readable

  rerun = run_launch(TINY_RUN_CONFIG, tmp_path, *TINY_RUN_FLAGS)
  assert rerun.returncode == 0, rerun.stderr[-3000:]
  final, reference = read_checkpoint(tmp_path, 9), read_checkpoint(tiny_run, 9)
  for (path, x), y in zip(jax.tree_util.tree_flatten_with_path(final)[0], jax.tree.leaves(reference)):
    np.testing.assert_array_equal(x, y, err_msg=jax.tree_util.keystr(path))
  losses = lambda w: [(r['step'], r['d_loss'], r['g_loss']) for r in map(json.loads, open(w / 'metrics.jsonl'))]
  assert losses(tmp_path) == losses(tiny_run)   # log_every=1: the stop step's line is the same line


def _catches_sigterm(pid: int) -> bool:
  """Whether the process has a handler for SIGTERM (the kernel's SigCgt mask): StopSignals is installed."""
  try:
    with open(f'/proc/{pid}/status') as f:
      caught = next(int(line.split()[1], 16) for line in f if line.startswith('SigCgt:'))
  except (OSError, StopIteration):
    return False
  return bool(caught & (1 << (signal.SIGTERM - 1)))


@pytest.mark.parametrize('sig', [signal.SIGTERM, signal.SIGINT], ids=['SIGTERM', 'SIGINT'])
def test_signal_during_start_up_exits_128_plus_signal_with_one_line(sig, data_dir, tmp_path):
  """After the handlers are installed and before step 1 (data, restore, compile), a signal used to print
  'nothing to save' and then segfault (exit -11 in 4 of 6 tries)."""
  proc = subprocess.Popen(launch_command(TINY_RUN_CONFIG, tmp_path, *TINY_RUN_FLAGS, f'--config.data.data_dir={data_dir}'),
                          env=subprocess_env(compilation_cache=False), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True)
  deadline = time.time() + 300
  while not _catches_sigterm(proc.pid) and proc.poll() is None and time.time() < deadline:
    time.sleep(0.005)
  proc.send_signal(sig)
  stdout, stderr = proc.communicate(timeout=120)
  assert 'compiled' not in stdout, 'the signal came after start-up: the test did not test start-up'
  assert proc.returncode == 128 + sig, stderr[-3000:]
  lines = [line for line in stderr.splitlines() if line.strip()]
  assert lines == [f'stopped by {sig.name} before the first training step; nothing to save'], stderr[-3000:]
  saved = [n for n in os.listdir(tmp_path / 'checkpoints') if n.isdigit()] if os.path.isdir(tmp_path / 'checkpoints') else []
  assert saved == []   # before step 1: nothing to save (the empty checkpoints/ may already be there)
