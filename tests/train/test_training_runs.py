"""Whole runs through launch.py in subprocesses: device-count and process-count invariance, bitwise
resume after SIGKILL. Each run is the tiny digits config (16x16, batch 8)."""

import os
import signal
import socket
import subprocess
import time

import jax
import numpy as np
import pytest

from conftest import launch_command, read_checkpoint, subprocess_env

CONFIG = 'dcgan_digits.py:tiny'
SHORT_RUN = ('--config.train.steps=3', '--config.train.log_every=1', '--config.train.sample_every=0',
             '--config.checkpoint.every_steps=0')


def _losses(workdir):
  import json
  with open(os.path.join(workdir, 'metrics.jsonl')) as f:
    return [[r['d_loss'], r['g_loss']] for r in map(json.loads, f)]


def _assert_states_close(a, b, atol):
  for path_and_x, y in zip(jax.tree_util.tree_flatten_with_path(a)[0], jax.tree.leaves(b)):
    path, x = path_and_x
    np.testing.assert_allclose(x, y, atol=atol, rtol=0, err_msg=jax.tree_util.keystr(path))


def _ok(result):
  assert result.returncode == 0, result.stderr[-3000:]
  return result


@pytest.fixture(scope='module')
def baseline(tmp_path_factory, data_dir):
  """The reference: 3 steps on one device in one process."""
  workdir = tmp_path_factory.mktemp('one_device')
  command = launch_command(CONFIG, workdir, *SHORT_RUN, f'--config.data.data_dir={data_dir}')
  _ok(subprocess.run(command, env=subprocess_env(), capture_output=True, text=True, timeout=300))
  return workdir


def test_eight_devices_match_one_device(baseline, run_launch, tmp_path):
  _ok(run_launch(CONFIG, tmp_path, *SHORT_RUN,
                 env=subprocess_env(XLA_FLAGS='--xla_force_host_platform_device_count=8')))
  assert len(_losses(tmp_path)) == 3
  np.testing.assert_allclose(_losses(tmp_path), _losses(baseline), atol=1e-4)
  _assert_states_close(read_checkpoint(tmp_path), read_checkpoint(baseline), atol=1e-4)


def test_two_processes_match_one_process(baseline, data_dir, tmp_path):
  with socket.socket() as s:
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
  procs = [subprocess.Popen(
      launch_command(CONFIG, tmp_path, *SHORT_RUN, f'--config.data.data_dir={data_dir}',
                     '--config.distributed=True', f'--config.coordinator_address=127.0.0.1:{port}',
                     '--config.num_processes=2', f'--config.process_id={i}'),
      env=subprocess_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for i in range(2)]
  outputs = [p.communicate(timeout=300)[0] for p in procs]
  assert [p.returncode for p in procs] == [0, 0], outputs[0][-2000:] + outputs[1][-2000:]
  np.testing.assert_allclose(_losses(tmp_path), _losses(baseline), atol=1e-4)
  _assert_states_close(read_checkpoint(tmp_path), read_checkpoint(baseline), atol=1e-4)


def test_sigkill_between_checkpoints_then_rerun_is_bitwise_identical(run_launch, data_dir, tmp_path):
  steps, every = 24, 4
  flags = (f'--config.train.steps={steps}', f'--config.checkpoint.every_steps={every}',
           '--config.checkpoint.keep=10', '--config.train.log_every=1', '--config.train.sample_every=0',
           f'--config.data.data_dir={data_dir}')
  reference, resumed = tmp_path / 'uninterrupted', tmp_path / 'killed'
  _ok(run_launch(CONFIG, reference, *flags))

  proc = subprocess.Popen(launch_command(CONFIG, resumed, *flags), env=subprocess_env(),
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
  first = resumed / 'checkpoints' / str(every)
  deadline = time.time() + 240
  while not first.exists() and proc.poll() is None and time.time() < deadline:
    time.sleep(0.02)
  proc.send_signal(signal.SIGKILL)
  proc.wait()
  assert proc.returncode == -signal.SIGKILL, 'the run ended before it could be killed'
  saved = sorted(int(p) for p in os.listdir(resumed / 'checkpoints') if p.isdigit())
  assert saved and saved[-1] < steps, f'killed too late to test a resume: {saved}'

  rerun = _ok(run_launch(CONFIG, resumed, *flags))
  assert f'resuming from {resumed / "checkpoints"}/{saved[-1]}' in rerun.stdout
  final, expected = read_checkpoint(resumed), read_checkpoint(reference)
  assert int(final['step']) == steps
  for x, y in zip(jax.tree.leaves(final), jax.tree.leaves(expected)):
    np.testing.assert_array_equal(x, y)   # bitwise: same rng, EMA, optimiser state and data position
  # metrics.jsonl has each step once: records the killed run wrote after its checkpoint were dropped.
  assert len(_losses(resumed)) == steps
