"""data.imbalance_factor: the long-tailed train split (Cao et al. 2019) is the formula, in every process."""

import json
import subprocess
import sys

import numpy as np
import pytest

from gan_jax.data import prepare_dataset
from gan_jax.data.longtail import long_tail_counts
from run_helpers import REPO_ROOT, subprocess_env


def _digits_config(data_dir, factor):
  from configs.default import get_config  # pylint: disable=g-import-not-at-top
  config = get_config()
  config.data.data_dir, config.data.image_size, config.data.imbalance_factor = data_dir, 16, factor
  return config


def _hand_formula(available, factor):
  """The formula written out again: n_i = min(avail_i, max(1, int(n_max * (1/IF)**(i/(K-1)))))."""
  n_max, k = max(available), len(available)
  return [min(a, max(1, int(n_max * (1.0 / factor) ** (i / (k - 1))))) for i, a in enumerate(available)]


def test_counts_are_the_formula_for_every_class_and_val_test_untouched(data_dir, tmp_path):
  balanced = prepare_dataset(_digits_config(data_dir, 1.0))
  ds = prepare_dataset(_digits_config(data_dir, 10.0), str(tmp_path))
  available = [balanced.report['class_counts']['train'][str(c)] for c in range(10)]
  expected = _hand_formula(available, 10.0)
  counts = np.bincount(ds.split_arrays('train')['label'], minlength=10).tolist()
  assert counts == expected and counts[-1] < counts[0] / 8   # the tail really is ~10x smaller
  report = json.load(open(tmp_path / 'data_report.json'))
  assert report['imbalance']['class_counts_before'] == balanced.report['class_counts']['train']
  assert report['imbalance']['class_counts_after'] == {str(c): n for c, n in enumerate(expected)}
  assert report['kept']['train'] == sum(expected) and report['imbalance']['factor'] == 10.0
  for split in ('val', 'test'):   # balanced splits stay exactly as they were
    np.testing.assert_array_equal(ds.split_sources(split), balanced.split_sources(split))
  # The kept examples are a subset of the balanced train split.
  assert set(ds.split_sources('train')) <= set(balanced.split_sources('train'))


def test_counts_pure_function_edge_cases():
  assert long_tail_counts(np.array([100, 100, 100]), 1.0).tolist() == [100, 100, 100]
  assert long_tail_counts(np.array([100, 100, 100]), 100.0).tolist() == [100, 10, 1]
  assert long_tail_counts(np.array([100, 5, 100]), 4.0).tolist() == [100, 5, 25]   # capped by what exists
  assert long_tail_counts(np.array([3, 3]), 1000.0).tolist() == [3, 1]             # never below one


def test_same_membership_in_a_second_process(data_dir):
  mine = sorted(prepare_dataset(_digits_config(data_dir, 5.0)).split_sources('train').tolist())
  script = (f'from configs.default import get_config\nfrom gan_jax.data import prepare_dataset\nimport json\n'
            f'c = get_config(); c.data.data_dir = {data_dir!r}; c.data.image_size = 16; c.data.imbalance_factor = 5.0\n'
            f'c.data.cache = False\n'
            f'print(json.dumps(sorted(prepare_dataset(c).split_sources("train").tolist())))\n')
  result = subprocess.run([sys.executable, '-c', script], cwd=REPO_ROOT, env=subprocess_env(), capture_output=True,
                          text=True, timeout=300)
  assert result.returncode == 0, result.stderr[-2000:]
  assert json.loads(result.stdout.strip().splitlines()[-1]) == mine


@pytest.mark.parametrize('value', ['0.5', '-3'])
def test_imbalance_factor_below_one_exits_2(value, run_launch, tmp_path):
  result = run_launch('dcgan_digits.py:tiny', tmp_path, '--mode=prepare', f'--config.data.imbalance_factor={value}',
                      timeout=120)
  assert result.returncode == 2, result.stderr[-2000:]
  errors = [line for line in result.stderr.splitlines() if line.startswith('error: ')]
  assert len(errors) == 1 and 'data.imbalance_factor=' in errors[0] and 'must be a finite number >= 1' in errors[0]
  assert 'Traceback' not in result.stderr
