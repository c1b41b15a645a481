"""benchmarks/device_run.sh --dry-run: every part of the GPU runbook, shrunk, on CPU and without TensorFlow
(as on the GPU machine), writing the files the real run writes. Its parts 3 and 3b are benchmarks/run.py's
smoke runs (the DCGAN step, then the ResNet/SNGAN step, each against its PyTorch eager peer): run.py's output
contract (the speedup line, one JSON row per implementation, the markdown table) is checked on them here."""

import importlib.util
import json
import math
import os
import re
import subprocess
import sys

from run_helpers import REPO_ROOT

SCRIPT = os.path.join(REPO_ROOT, 'benchmarks', 'device_run.sh')
HAS_TORCH = importlib.util.find_spec('torch') is not None
IMPLS = ['jax', 'torch-eager'] if HAS_TORCH else ['jax']


def documented_outputs():
  """The file list in the script's header: what the real run writes into $OUT."""
  header = open(SCRIPT).read()
  match = re.search(r'Every result is a file directly in \$OUT \((\d+) files\):(.*?)\.\n', header, re.S)
  names = [n.strip() for n in match.group(2).replace('#', ' ').split(',')]
  assert len(names) == int(match.group(1))
  return sorted(names)


def test_dry_run_writes_what_the_real_run_writes(tmp_path):
  out, work = tmp_path / 'out', tmp_path / 'work'
  env = dict(os.environ, OUT=str(out), WORK=str(work), PYTHON=sys.executable,
             PYTHONPATH=os.pathsep.join([os.path.join(REPO_ROOT, 'tests', 'tf_free'), REPO_ROOT]))
  result = subprocess.run(['bash', SCRIPT, '--dry-run'], cwd=REPO_ROOT, env=env, capture_output=True,
                          text=True, timeout=900)
  assert result.returncode == 0, (result.stdout[-3000:], open(out / 'log.txt').read()[-4000:])
  assert sorted(os.listdir(out)) == documented_outputs()
  assert all(os.path.isfile(out / name) for name in os.listdir(out))
  assert len(documented_outputs()) <= 8

  summary = json.load(open(out / 'summary.json'))
  assert summary['mode'] == 'dry-run' and summary['backend'].startswith('backend: cpu')
  assert [p['part'] for p in summary['parts']] == ['train_step', 'train_step_sngan', 'fid_timing', 'repro_2d',
                                                   'repro_2d_tables']
  assert all(p['exit'] == 0 for p in summary['parts']), summary['parts']
  assert any('ring_gan, grid_gan x 2 seeds = 4 runs' in line for line in summary['repro_programs'])

  machine = open(out / 'machine.txt').read()
  assert 'jax==' in machine and 'package ml-collections: present' in machine and 'backend: cpu' in machine
  rows = json.load(open(out / 'train_step.json'))['results']
  assert {(r['impl'], r['dtype']) for r in rows if not r['error']} >= {('jax', 'float32'), ('jax', 'bfloat16')}
  assert all('utilisation_vs_measured_bf16_peak' in r for r in rows if not r['error'])
  # The SNGAN rows travel inside train_step.{json,md} (at most 8 files come back from the device).
  sngan = json.load(open(out / 'train_step.json'))['sngan']
  assert sngan['meta']['model'] == 'resnet'
  assert {(r['impl'], r['g_width'], r['d_width']) for r in sngan['results'] if not r['error']} >= {('jax', 4, 4)}
  assert 'ResNet/SNGAN step' in open(out / 'train_step.md').read()
  assert 'classifier' in json.load(open(out / 'fid_timing.json'))
  repro = json.load(open(out / 'repro_2d.json'))['rows']
  assert {(r['cell'], r['step']) for r in repro} == {(c, s) for c in ('ring_gan', 'grid_gan') for s in (20, 40)}
  _check_run_py_contract(out)


def _part_output(log_lines, part):
  """The log lines of one part: between its '=== part NAME (limit' and '=== part NAME: exit' lines."""
  begin = next(i for i, line in enumerate(log_lines) if line.startswith(f'=== part {part} (limit'))
  end = next(i for i, line in enumerate(log_lines) if line.startswith(f'=== part {part}: exit'))
  return [line for line in log_lines[begin + 1:end] if line.strip()]


def _check_speedup_line(lines):
  name, _, value = lines[-1].partition('=')   # run.py's last line
  assert name == 'jax_vs_torch_speedup', lines[-5:]
  assert (float(value) > 0) if HAS_TORCH else math.isnan(float(value))


def _check_run_py_contract(out):
  """What tests/test_benchmarks.py's own smoke runs of benchmarks/run.py checked, on parts 3 and 3b."""
  log = open(out / 'log.txt').read().splitlines()
  for part in ('train_step', 'train_step_sngan'):
    _check_speedup_line(_part_output(log, part))
  result = json.load(open(out / 'train_step.json'))
  assert {'meta', 'peaks', 'results', 'extras', 'jax_vs_torch_speedup'} <= set(result)
  assert result['peaks']['measured_matmul_flops']['float32'] > 0
  markdown = open(out / 'train_step.md').read().splitlines()
  for dtype in ('float32', 'bfloat16'):
    rows = [r for r in result['results'] if r['dtype'] == dtype]
    assert [r['impl'] for r in rows] == IMPLS
    assert len([l for l in markdown if l.startswith(f'| 8 | 16 | {dtype} |')]) == len(rows)
  for row in result['results']:
    if row['dtype'] == 'float32' or not row['error']:   # (a CPU may lack a bfloat16 peer)
      assert row['error'] is None and (row['batch'], row['image_size']) == (8, 16)
      assert row['timed_steps'] == 2 and len(row['step_ms_round_medians']) == 2   # --steps 2 --rounds 2
      assert row['step_ms_median'] > 0 and math.isclose(row['images_per_s'], 8 / (row['step_ms_median'] / 1e3),
                                                        rel_tol=1e-6)
      assert row['peak_rss_mb'] > 50          # a Python process with a framework loaded
      assert row['flops_per_step'] > 0        # XLA's count, shared with the peer's row
  jax_row = result['results'][0]
  assert jax_row['impl'] == 'jax' and jax_row['compile_s'] > 0 and jax_row['params'] > 0

  sngan = result['sngan']   # run.py --model resnet: the SNGAN step (5 D updates + 1 G update), widths 4, one step
  rows = sngan['results']
  assert sngan['meta']['model'] == 'resnet' and [r['impl'] for r in rows] == IMPLS
  assert all(r['error'] is None and (r['g_width'], r['d_width'], r['model']) == (4, 4, 'resnet') for r in rows)
  assert rows[0]['flops_per_step'] > 0
  assert len([l for l in markdown if l.startswith('| 4 | 16 | 4/4 | float32 |')]) == len(rows)
