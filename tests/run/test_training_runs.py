"""Whole runs through launch.py in subprocesses, compared with the shared reference run (`tiny_run`):
device-count and process-count invariance, bitwise resume after a stop and after SIGKILL. The device-count
and SIGKILL tests also run a class-conditional (projection) ResNet with spectral norm, whose power-iteration
vectors are part of the compared state, and the VAE family's reference run (configs/vae_digits.py:tiny)."""

import json
import os
import signal
import socket
import subprocess
import time

import jax
import numpy as np
import pytest

from run_helpers import (AUG_RUN_FLAGS, FAMILY_LOSS_KEYS, FAMILY_RUN_CONFIGS, TINY_RUN_CONFIG, TINY_RUN_FLAGS,
                         launch_command, read_checkpoint, subprocess_env)

FIRST_3_STEPS = (*TINY_RUN_FLAGS, '--config.train.steps=3')   # later flags win; constant lr: same 3 steps
# case -> (config file, flags of the full run). All cases log and checkpoint on TINY_RUN_FLAGS' schedule.
# 'augmented' has DiffAugment + ADA + LeCam on: ADA's p and LeCam's anchors are part of what must match. The plain
# DCGAN is not a case: 'augmented' is its config and step with those on top, and the plain run's resume and data
# parallelism are compared bitwise elsewhere (test_two_processes_match_one_process here,
# tests/run/test_preemption.py, tests/run/test_checkpoint_damage.py).
CASES = {
    'conditional_resnet_sn': ('cgan_digits.py:tiny', (*TINY_RUN_FLAGS, '--config.model.name=resnet')),
    'augmented': (TINY_RUN_CONFIG, AUG_RUN_FLAGS),
    'vae': (FAMILY_RUN_CONFIGS['vae'], TINY_RUN_FLAGS),
}
REFERENCES = {'conditional_resnet_sn': '_resnet_run', 'augmented': 'aug_run', 'vae': 'vae_run'}


@pytest.fixture(scope='module')
def _resnet_run(tmp_path_factory, data_dir):
  config_file, flags = CASES['conditional_resnet_sn']
  workdir = tmp_path_factory.mktemp('cond_resnet_run')
  result = subprocess.run(launch_command(config_file, workdir, *flags, f'--config.data.data_dir={data_dir}'),
                          env=subprocess_env(), capture_output=True, text=True, timeout=600)
  assert result.returncode == 0, result.stderr[-3000:]
  return workdir


@pytest.fixture(params=sorted(CASES))
def case(request):
  """(config file, full-run flags, reference workdir, compared loss keys) of each case."""
  config_file, flags = CASES[request.param]
  reference = request.getfixturevalue(REFERENCES[request.param])
  return config_file, flags, reference, FAMILY_LOSS_KEYS['vae' if request.param == 'vae' else 'gan']


def _losses(workdir, steps=None, keys=FAMILY_LOSS_KEYS['gan']):
  with open(os.path.join(workdir, 'metrics.jsonl')) as f:
    return [[r[k] for k in keys] for r in map(json.loads, f)][:steps]


def _assert_states_close(a, b, atol):
  for (path, x), y in zip(jax.tree_util.tree_flatten_with_path(a)[0], jax.tree.leaves(b)):
    np.testing.assert_allclose(x, y, atol=atol, rtol=0, err_msg=jax.tree_util.keystr(path))


def _assert_states_identical(a, b):
  for (path, x), y in zip(jax.tree_util.tree_flatten_with_path(a)[0], jax.tree.leaves(b)):
    np.testing.assert_array_equal(x, y, err_msg=jax.tree_util.keystr(path))


def _ok(result):
  assert result.returncode == 0, result.stderr[-3000:]
  return result


def test_eight_devices_match_one_device(case, run_launch, tmp_path):
  config_file, flags, reference, keys = case
  _ok(run_launch(config_file, tmp_path, *flags, '--config.train.steps=3',
                 env=subprocess_env(XLA_FLAGS='--xla_force_host_platform_device_count=8'),
                 timeout=900))   # compiling the augmented step for 8 devices takes minutes on a loaded 2-core CPU
  np.testing.assert_allclose(_losses(tmp_path, keys=keys), _losses(reference, 3, keys), atol=1e-4)
  _assert_states_close(read_checkpoint(tmp_path, 3), read_checkpoint(reference, 3), atol=1e-4)


def test_two_processes_match_one_process(tiny_run, data_dir, tmp_path):
  with socket.socket() as s:
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
  procs = [subprocess.Popen(
      launch_command(TINY_RUN_CONFIG, tmp_path, *FIRST_3_STEPS, f'--config.data.data_dir={data_dir}',
                     '--config.distributed=True', f'--config.coordinator_address=127.0.0.1:{port}',
                     '--config.num_processes=2', f'--config.process_id={i}'),
      env=subprocess_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for i in range(2)]
  outputs = [p.communicate(timeout=300)[0] for p in procs]
  assert [p.returncode for p in procs] == [0, 0], outputs[0][-2000:] + outputs[1][-2000:]
  np.testing.assert_allclose(_losses(tmp_path), _losses(tiny_run, 3), atol=1e-4)
  _assert_states_close(read_checkpoint(tmp_path, 3), read_checkpoint(tiny_run, 3), atol=1e-4)


def test_stop_then_sigkill_then_rerun_is_bitwise_identical(case, run_launch, data_dir, tmp_path):
  config_file, flags, reference, keys = case
  # 1. A run stopped at step 3 (its last step), continued by the full command...
  _ok(run_launch(config_file, tmp_path, *flags, '--config.train.steps=3'))
  # 2. ...which is killed with SIGKILL after its checkpoint at step 6, before the one at 9 (the sample
  #    grid at step 7 compiles the sampler, which keeps that window open for a second or more)...
  #    (compiled afresh: a cached sampler would shorten that window)
  proc = subprocess.Popen(launch_command(config_file, tmp_path, *flags, f'--config.data.data_dir={data_dir}'),
                          env=subprocess_env(compilation_cache=False), stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL)
  deadline = time.time() + 300
  while not (tmp_path / 'checkpoints' / '6').exists() and proc.poll() is None and time.time() < deadline:
    time.sleep(0.02)
  proc.send_signal(signal.SIGKILL)
  proc.wait()
  assert proc.returncode == -signal.SIGKILL, 'the run ended before it could be killed'
  assert not (tmp_path / 'checkpoints' / '9').exists(), 'killed too late to test a resume'
  # 3. ...and run again: it resumes from step 6 and ends where the uninterrupted run ended, bit for bit.
  rerun = _ok(run_launch(config_file, tmp_path, *flags))
  assert f'resuming from {tmp_path / "checkpoints"}/6' in rerun.stdout
  final = read_checkpoint(tmp_path, 9)
  assert int(final['step']) == 9
  if config_file == CASES['conditional_resnet_sn'][0]:   # the spectral-norm vectors are part of the state
    assert any('/u' in jax.tree_util.keystr(p) for p, _ in jax.tree_util.tree_flatten_with_path(final)[0])
  _assert_states_identical(final, read_checkpoint(reference, 9))   # params, EMA, optimisers, rng, step, SN u, ADA, LeCam
  assert _losses(tmp_path, keys=keys) == _losses(reference, keys=keys)   # each step logged once, same values
  if flags == AUG_RUN_FLAGS:   # the augmentation state is not trivially equal: it moved every step
    assert float(final['ada']['p']) != 0.5 and int(final['lecam']['updates']) == 9
    with open(tmp_path / 'metrics.jsonl') as f:
      assert len({r['aug_p'] for r in map(json.loads, f)}) > 3
