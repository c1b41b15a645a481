"""Smoke test of benchmarks/run.py: the real JAX step (and the PyTorch peer when torch is installed) for
two steps on 8x8 images in a subprocess, checking the output contract (speedup line, JSON, markdown)."""

import importlib.util
import json
import math
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HAS_TORCH = importlib.util.find_spec('torch') is not None


@pytest.fixture(scope='module')
def smoke_run(tmp_path_factory):
  out = tmp_path_factory.mktemp('bench')
  command = [sys.executable, os.path.join(ROOT, 'benchmarks', 'run.py'), '--quick', '--batches', '8',
             '--sizes', '8', '--steps', '2', '--rounds', '2', '--warmup', '1', '--peak-matmul-size', '128',
             '--no-extras', '--out', str(out), '--tag', 'smoke']
  completed = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=ROOT)
  return completed, out


def test_run_succeeds_and_ends_with_speedup_line(smoke_run):
  completed, _ = smoke_run
  assert completed.returncode == 0, completed.stderr[-2000:]
  last = completed.stdout.strip().splitlines()[-1]
  name, _, value = last.partition('=')
  assert name == 'jax_vs_torch_speedup'
  speedup = float(value)
  assert (speedup > 0) if HAS_TORCH else math.isnan(speedup)


def test_json_has_one_measured_row_per_implementation(smoke_run):
  _, out = smoke_run
  result = json.loads((out / 'smoke.json').read_text())
  assert {'meta', 'peaks', 'results', 'extras', 'jax_vs_torch_speedup'} <= set(result)
  impls = [row['impl'] for row in result['results']]
  assert impls == (['jax', 'torch-eager'] if HAS_TORCH else ['jax'])
  for row in result['results']:
    assert row['error'] is None
    assert (row['batch'], row['image_size'], row['dtype']) == (8, 8, 'float32')
    assert row['timed_steps'] == 2 and len(row['step_ms_round_medians']) == 2
    assert row['step_ms_median'] > 0 and row['images_per_s'] == pytest.approx(
        8 / (row['step_ms_median'] / 1e3))
    assert row['peak_rss_mb'] > 50          # a Python process with a framework loaded
    assert row['flops_per_step'] > 0        # XLA's count, shared with the peer's row
  jax_row = result['results'][0]
  assert jax_row['compile_s'] > 0 and jax_row['params'] > 0
  assert result['peaks']['measured_matmul_flops']['float32'] > 0


def test_markdown_table_lists_every_row(smoke_run):
  _, out = smoke_run
  markdown = (out / 'smoke.md').read_text()
  table_rows = [l for l in markdown.splitlines() if l.startswith('| 8 | 8 | float32 |')]
  assert len(table_rows) == (2 if HAS_TORCH else 1)


def test_resnet_model_smoke_run(tmp_path):
  """--model resnet: the SNGAN step (5 D updates + 1 G update) and its PyTorch peer, tiny widths, one step."""
  command = [sys.executable, os.path.join(ROOT, 'benchmarks', 'run.py'), '--quick', '--model', 'resnet',
             '--widths', '4', '--batches', '4', '--sizes', '16', '--steps', '1', '--rounds', '1', '--warmup', '0',
             '--peak-matmul-size', '128', '--no-extras', '--out', str(tmp_path), '--tag', 'sngan']
  completed = subprocess.run(command, capture_output=True, text=True, timeout=240, cwd=ROOT)
  assert completed.returncode == 0, completed.stderr[-2000:]
  name, _, value = completed.stdout.strip().splitlines()[-1].partition('=')
  assert name == 'jax_vs_torch_speedup' and ((float(value) > 0) if HAS_TORCH else math.isnan(float(value)))
  result = json.loads((tmp_path / 'sngan.json').read_text())
  assert result['meta']['model'] == 'resnet'
  rows = result['results']
  assert [r['impl'] for r in rows] == (['jax', 'torch-eager'] if HAS_TORCH else ['jax'])
  assert all(r['error'] is None and (r['g_width'], r['d_width'], r['model']) == (4, 4, 'resnet') for r in rows)
  assert rows[0]['flops_per_step'] > 0
  assert len([l for l in (tmp_path / 'sngan.md').read_text().splitlines()
              if l.startswith('| 4 | 16 | 4/4 | float32 |')]) == len(rows)


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
