"""gan_jax.core.runtime: the backend line every run prints, and the warning for a GPU that JAX does not use."""

import json
import os
import stat
import subprocess
import sys

from gan_jax.core import runtime
from run_helpers import REPO_ROOT

CPU_INFO = {'backend': 'cpu', 'device_kind': 'cpu', 'device_count': 2, 'local_device_count': 2,
            'process_count': 1, 'process_index': 0, 'jax_version': '0.10.2'}
GPUS = ['GPU 0: NVIDIA H200 (UUID: GPU-0)']


def test_describe_backend_matches_jax():
  import jax
  info = runtime.describe_backend()
  assert info['backend'] == jax.default_backend() and info['device_count'] == jax.device_count()
  assert info['process_count'] == jax.process_count() and info['device_kind'] == jax.devices()[0].device_kind


def test_backend_line():
  assert runtime.backend_line(CPU_INFO) == 'backend: cpu, 2 x cpu, 1 process, jax 0.10.2'
  four = {**CPU_INFO, 'backend': 'gpu', 'device_kind': 'NVIDIA H200', 'device_count': 16, 'process_count': 2}
  assert runtime.backend_line(four) == 'backend: gpu, 16 x NVIDIA H200, 2 processes, jax 0.10.2'


def test_warns_only_when_a_gpu_is_visible_and_jax_is_on_cpu():
  line = runtime.gpu_unused_line(CPU_INFO, GPUS)
  assert 'NVIDIA H200' in line and 'JAX runs on the CPU' in line and 'pip install -e ".[cuda12]"' in line
  assert runtime.gpu_unused_line(CPU_INFO, []) is None
  assert runtime.gpu_unused_line({**CPU_INFO, 'backend': 'gpu'}, GPUS) is None


def test_nvidia_smi_is_read_from_path(tmp_path, monkeypatch):
  fake = tmp_path / 'nvidia-smi'
  fake.write_text('#!/bin/sh\necho "GPU 0: NVIDIA H200 (UUID: GPU-0)"\n')
  fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
  monkeypatch.setenv('PATH', f'{tmp_path}{os.pathsep}{os.environ["PATH"]}')
  runtime.nvidia_gpus.cache_clear()
  try:
    assert runtime.nvidia_gpus() == GPUS
  finally:
    runtime.nvidia_gpus.cache_clear()


def test_a_run_starts_with_the_backend_line_and_records_it(tmp_path, data_dir):
  """A tiny launch.py run with a fake nvidia-smi on PATH: first line = backend, then the warning."""
  fake = tmp_path / 'bin' / 'nvidia-smi'
  fake.parent.mkdir()
  fake.write_text('#!/bin/sh\necho "GPU 0: NVIDIA H200 (UUID: GPU-0)"\n')
  fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
  env = dict(os.environ, PATH=f'{fake.parent}{os.pathsep}{os.environ["PATH"]}',
             PYTHONPATH=REPO_ROOT, JAX_PLATFORMS='cpu')
  workdir = tmp_path / 'run'
  result = subprocess.run(
      [sys.executable, os.path.join(REPO_ROOT, 'launch.py'), '--config', 'configs/gan_ring2d.py:tiny',
       f'--workdir={workdir}', f'--config.data.data_dir={data_dir}', '--config.train.steps=2'],
      cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300)
  assert result.returncode == 0, result.stderr[-2000:]
  lines = result.stdout.splitlines()
  assert lines[0].startswith('backend: cpu, ') and 'jax ' in lines[0], lines[:3]
  assert lines[1].startswith('warning: 1 NVIDIA GPU(s) visible (GPU 0: NVIDIA H200)'), lines[:3]
  recorded = json.load(open(workdir / 'config.json'))['runtime']
  assert recorded['backend'] == 'cpu' and recorded['process_count'] == 1 and recorded['device_count'] >= 1
  assert recorded['device_kind']
