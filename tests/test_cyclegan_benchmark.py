"""benchmarks/cyclegan_bench.py --dry_run: the config passes the checks and every seed's train and evaluate commands
are printed (the evaluation with the downstream metric); nothing is run or written."""

import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_dry_run_prints_every_command(tmp_path):
  done = subprocess.run([sys.executable, os.path.join(ROOT, 'benchmarks', 'cyclegan_bench.py'), '--dry_run',
                         '--seeds=3', f'--workdir={tmp_path}', '--steps=10'], capture_output=True, text=True,
                        cwd=ROOT, timeout=300, env=dict(os.environ, JAX_PLATFORMS='cpu'))
  assert done.returncode == 0, done.stderr[-2000:]
  lines = done.stdout.splitlines()
  for seed in range(3):
    train = next(l for l in lines if l.startswith(f'seed {seed} train: '))
    evaluate = next(l for l in lines if l.startswith(f'seed {seed} evaluate: '))
    assert f'--config.seed={seed}' in train and f'seed_{seed}' in train and '--config.train.steps=10' in train
    assert '--mode=evaluate' in evaluate and 'downstream' in evaluate
  assert 'downstream_a2b' in lines[-1] and 'label_preservation_b2a' in lines[-1]
  assert not os.listdir(tmp_path)


def test_a_pair_with_a_known_map_adds_the_ground_truth_metric(tmp_path):
  done = subprocess.run([sys.executable, os.path.join(ROOT, 'benchmarks', 'cyclegan_bench.py'), '--dry_run',
                         '--seeds=1', f'--workdir={tmp_path}', '--config=cyclegan_mnist5k_inverted.py:cpu'],
                        capture_output=True, text=True, cwd=ROOT, timeout=300, env=dict(os.environ, JAX_PLATFORMS='cpu'))
  assert done.returncode == 0, done.stderr[-2000:]
  evaluate = next(l for l in done.stdout.splitlines() if l.startswith('seed 0 evaluate: '))
  assert 'ground_truth_l1' in evaluate and '--config=configs/cyclegan_mnist5k_inverted.py:cpu' in evaluate
  assert not os.listdir(tmp_path)
