"""benchmarks/device_run.sh --dry-run: every part of the GPU runbook, shrunk, on CPU and without TensorFlow
(as on the GPU machine), writing the files the real run writes."""

import json
import os
import re
import subprocess
import sys

from run_helpers import REPO_ROOT

SCRIPT = os.path.join(REPO_ROOT, 'benchmarks', 'device_run.sh')


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
