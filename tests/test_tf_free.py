"""The compute paths that need no image pipeline run where TensorFlow is not installed.

Each command runs in a subprocess whose PYTHONPATH starts with tests/tf_free/, whose sitecustomize.py makes
`tensorflow` and `tensorflow_datasets` unfindable (as on the GPU machine, which has neither): the 2D PacGAN
reproduction (multi-seed trainer) and the evaluation of a 2D run. The train-step benchmark runs the same way in
tests/test_device_run.py (the GPU runbook's dry run, under this blocker).
"""

import json
import os
import subprocess
import sys

import pytest

from run_helpers import REPO_ROOT

TF_FREE_DIR = os.path.join(REPO_ROOT, 'tests', 'tf_free')


def tf_free_env(data_dir: str) -> dict:
  env = dict(os.environ)
  env['PYTHONPATH'] = os.pathsep.join([TF_FREE_DIR, REPO_ROOT])
  env['TFDS_DATA_DIR'] = data_dir     # the points' prepared cache; never ~/tensorflow_datasets
  env['JAX_PLATFORMS'] = 'cpu'
  return env


def run(args, env, timeout=420):
  result = subprocess.run([sys.executable, *args], cwd=REPO_ROOT, env=env, capture_output=True, text=True,
                          timeout=timeout)
  assert result.returncode == 0, (result.stdout[-1500:], result.stderr[-3000:])
  return result


def test_the_blocker_hides_tensorflow_and_the_library_imports_without_it(data_dir):
  code = ("import importlib.util, sys\n"
          "assert importlib.util.find_spec('tensorflow') is None\n"
          "try:\n  import tensorflow_datasets\nexcept ModuleNotFoundError:\n  pass\n"
          "else:\n  raise SystemExit('tensorflow_datasets imported')\n"
          "import gan_jax.data, gan_jax.families.gan.multi_seed, gan_jax.metrics.evaluator, gan_jax.run.evaluation\n"
          "from gan_jax.data.sources import get_source\n"
          "assert get_source('ring2d').kind == 'points'\n"
          "try:\n  get_source('digits')\nexcept ModuleNotFoundError as e:\n  print('digits needs', e.name)\n"
          "assert not [m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'tensorflow_datasets')]\n")
  result = run(['-c', code], tf_free_env(data_dir))
  assert 'digits needs tensorflow' in result.stdout    # the tfds source fails only when it is used


@pytest.fixture(scope='module')
def repro_2d(tmp_path_factory, data_dir):
  """benchmarks/reproduce.py --suite=2d --seeds=2 --steps=200 (one cell, to keep it short) without TensorFlow."""
  root = tmp_path_factory.mktemp('repro_tf_free')
  result = run(['benchmarks/reproduce.py', '--suite=2d', '--seeds=2', '--steps=200', '--steps_per_call=100',
                '--cells=ring_gan', f'--workdir={root / "runs"}', f'--results_dir={root / "results"}'],
               tf_free_env(data_dir))
  return root, result


def test_reproduce_2d_runs_without_tensorflow(repro_2d):
  root, result = repro_2d
  assert result.stdout.startswith('backend: cpu, ')
  rows = json.load(open(root / 'results' / 'repro_2d.json'))['rows']
  assert {(r['cell'], r['step']) for r in rows} == {(c, s) for c in ('ring_gan',) for s in (100, 200)}
  assert all(r['stats']['modes']['n'] == 2 for r in rows)
  record = json.load(open(root / 'runs' / '2d' / 'ring_gan' / 'seed0' / 'eval' / 'val_step200.json'))
  assert record['provenance']['runtime']['backend'] == 'cpu'


def test_a_2d_run_is_evaluated_without_tensorflow(repro_2d, data_dir):
  root, _ = repro_2d
  workdir = root / 'runs' / '2d' / 'ring_gan' / 'seed1'
  result = run(['launch.py', '--config', 'configs/repro/pacgan_2d.py:ring,gan,steps=200', f'--workdir={workdir}',
                '--mode=evaluate'], tf_free_env(data_dir))
  assert result.stdout.splitlines()[0].startswith('backend: cpu, ')
  record = json.load(open(workdir / 'eval' / 'test_step200.json'))
  assert 0 <= record['results']['modes'] <= 8 and record['provenance']['runtime']['device_count'] >= 1
