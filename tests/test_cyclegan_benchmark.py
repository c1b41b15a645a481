"""benchmarks/cyclegan_bench.py --dry_run: the config passes the checks and every seed's train and evaluate commands
are printed (the evaluation with the downstream metric), --set reaches both; nothing is run or written. The judge
unframes a framed domain."""

import os
import subprocess
import sys

import numpy as np
import pytest

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
                        capture_output=True, text=True, cwd=ROOT, timeout=300,
                        env=dict(os.environ, JAX_PLATFORMS='cpu'))
  assert done.returncode == 0, done.stderr[-2000:]
  evaluate = next(l for l in done.stdout.splitlines() if l.startswith('seed 0 evaluate: '))
  assert 'ground_truth_l1' in evaluate and '--config=configs/cyclegan_mnist5k_inverted.py:cpu' in evaluate
  assert not os.listdir(tmp_path)


def test_set_overrides_reach_both_commands_and_bad_ones_are_refused(tmp_path):
  run = lambda *extra: subprocess.run(
      [sys.executable, os.path.join(ROOT, 'benchmarks', 'cyclegan_bench.py'), '--dry_run', '--seeds=1',
       f'--workdir={tmp_path}', '--config=cyclegan_digits_mnist5k.py:cpu', *extra], capture_output=True, text=True,
      cwd=ROOT, timeout=300, env=dict(os.environ, JAX_PLATFORMS='cpu'))
  done = run('--set=data.frame_fraction=1.0')
  assert done.returncode == 0, done.stderr[-2000:]
  for name in ('train', 'evaluate'):
    line = next(l for l in done.stdout.splitlines() if l.startswith(f'seed 0 {name}: '))
    assert '--config.data.frame_fraction=1.0' in line
  refused = run('--set=data.frame_fraction')
  assert refused.returncode != 0 and "--set='data.frame_fraction' is not KEY=VALUE" in refused.stderr
  assert not os.listdir(tmp_path)


def test_the_judge_unframes_a_framed_domain_before_it_judges():
  sys.path.insert(0, os.path.join(ROOT, 'benchmarks'))
  import cyclegan_judge  # pylint: disable=g-import-not-at-top
  images = -np.ones((1, 32, 32, 1), np.float32)
  images[0, 5:27, 5:27] = 1.0                               # a white 22x22 square: a 0.7 frame's content
  np.testing.assert_allclose(cyclegan_judge.unframe(images, 0.7), 1.0, atol=1e-6)   # the content fills the frame
  assert cyclegan_judge.unframe(images, 1.0) is images


def test_the_benchmarks_load_a_config_as_launch_names_it():
  sys.path.insert(0, os.path.join(ROOT, 'benchmarks'))
  import config_files  # pylint: disable=g-import-not-at-top
  assert config_files.load_config('cyclegan_digits_mnist5k.py:cpu').train.steps == 1500   # the switch reaches it
  assert config_files.load_config('cyclegan_digits_mnist5k.py').train.steps == 6000
  with pytest.raises(ValueError, match="'configs/x.py': a config is named FILE.py or FILE.py:SWITCH"):
    config_files.load_config('configs/x.py')


def test_the_ceiling_renders_each_domain_by_the_others_recipe():
  sys.path.insert(0, os.path.join(ROOT, 'benchmarks'))
  import cyclegan_ceiling  # pylint: disable=g-import-not-at-top
  bar = np.zeros((28, 28))
  bar[4:24, 13:15] = 1.0   # 20 rows by 2 columns -> 32 rows by round(2 * 32 / 20) = 3, columns 14..16 of 32
  want = np.zeros((8, 8), int)
  want[:, 3], want[:, 4] = 8, 4   # 4x4 blocks: two inked columns in block 3, one in block 4, four rows each
  np.testing.assert_array_equal(cyclegan_ceiling.optdigits_8x8(bar), want)
  assert not cyclegan_ceiling.optdigits_8x8(np.zeros((28, 28))).any()
  full = cyclegan_ceiling.mnist_28x28(np.ones((8, 8)))   # fills MNIST's 20x20 box, centred
  assert full.sum() == 400 and full[4:24, 4:24].min() == 1.0
  corner = np.zeros((8, 8))
  corner[0, 0] = 1.0
  moved = cyclegan_ceiling.mnist_28x28(corner)
  ys, xs = np.nonzero(moved)
  weights = moved[ys, xs]
  assert abs(np.average(ys, weights=weights) - 13.5) <= 1 and abs(np.average(xs, weights=weights) - 13.5) <= 1
