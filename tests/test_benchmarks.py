"""benchmarks/run.py's arguments, and gan_jax.core.xla_flags.

run.py's smoke runs (the real JAX step and its PyTorch peer, DCGAN and ResNet/SNGAN, in subprocesses) and
its output contract (speedup line, JSON rows, markdown table) are tests/test_device_run.py's: the dry run
of benchmarks/device_run.sh runs exactly those commands (its parts 3 and 3b).
"""

import os
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_resnet_widths_parse_and_default():
  sys.path.insert(0, os.path.join(ROOT, 'benchmarks'))
  import run as bench_run
  args = bench_run.parse_args(['--model', 'resnet', '--widths', '64,256/128'])
  assert [(s['g_width'], s['d_width']) for s in bench_run.shapes_of(args)] == [(64, 64), (256, 128)]
  assert args.tag == 'sngan_full' and args.peers == ['eager']
  quick = bench_run.parse_args(['--quick', '--model', 'resnet'])
  assert [(s['batch'], s['size'], s['g_width']) for s in bench_run.shapes_of(quick)] == [(64, 32, 64)]
  assert bench_run.parse_args(['--quick']).tag == 'quick'   # DCGAN stays the default


# gan_jax.core.xla_flags: pure environment edits (a fake environ dict, no JAX backend involved).
from gan_jax.core import errors as xla_flags_errors  # noqa: E402
from gan_jax.core import xla_flags  # noqa: E402


def test_configure_xla_for_cpu_default_adds_only_measured_flags(monkeypatch):
  monkeypatch.setattr(xla_flags, '_jaxlib_version', lambda: (0, 10))
  environ = {'XLA_FLAGS': '--xla_force_host_platform_device_count=2'}
  value = xla_flags.configure_xla_for_cpu(environ)
  expected = ['--xla_force_host_platform_device_count=2'] + [
      f'--{name}={value}' for name, (value, _) in xla_flags.CPU_FLAGS.items()]
  assert value.split() == expected and environ['XLA_FLAGS'] == value


def test_configure_xla_for_cpu_preset_appends_cpu_flags(monkeypatch):
  monkeypatch.setattr(xla_flags, '_jaxlib_version', lambda: (0, 10))
  environ = {'XLA_FLAGS': '--xla_force_host_platform_device_count=2', xla_flags.PRESETS_ENV: 'ynn_off'}
  value = xla_flags.configure_xla_for_cpu(environ)
  assert value.split() == ['--xla_force_host_platform_device_count=2',
                           '--xla_cpu_experimental_ynn_fusion_type=']
  with pytest.raises(xla_flags_errors.ConfigError, match='GAN_JAX_XLA_CPU_PRESETS'):
    xla_flags.configure_xla_for_cpu({xla_flags.PRESETS_ENV: 'warp_speed'})


def test_configure_xla_for_cpu_keeps_user_values_and_opt_out(monkeypatch):
  monkeypatch.setattr(xla_flags, '_jaxlib_version', lambda: (0, 10))
  user = {'XLA_FLAGS': '--xla_cpu_experimental_ynn_fusion_type=dot', xla_flags.PRESETS_ENV: 'ynn_off'}
  assert xla_flags.configure_xla_for_cpu(user) == '--xla_cpu_experimental_ynn_fusion_type=dot'
  opted_out = {xla_flags.OPT_OUT_ENV: '1', xla_flags.PRESETS_ENV: 'ynn_off'}
  assert xla_flags.configure_xla_for_cpu(opted_out) == '' and 'XLA_FLAGS' not in opted_out


def test_configure_xla_for_cpu_skips_unverified_jaxlib(monkeypatch):
  # XLA aborts on unknown flags, so nothing is added for versions the flags were not measured on.
  monkeypatch.setattr(xla_flags, '_jaxlib_version', lambda: (9, 0))
  environ = {xla_flags.PRESETS_ENV: 'ynn_off'}
  assert xla_flags.configure_xla_for_cpu(environ) == '' and 'XLA_FLAGS' not in environ
