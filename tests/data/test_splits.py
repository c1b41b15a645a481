"""Split membership: stratified, seeded, identical in another process."""

import json
import subprocess
import sys

import numpy as np

from gan_jax.data.splits import assign_splits

_SCRIPT = """
import json, sys
import numpy as np
from gan_jax.data.splits import assign_splits
labels = np.arange(500) % 7
sources = [f'img_{i}.png' for i in range(500)]
print(json.dumps(assign_splits(labels, sources, [''] * 500, 0.2, 0.1, 3, False).tolist()))
"""


def test_membership_is_identical_in_another_process():
  labels = np.arange(500) % 7
  sources = [f'img_{i}.png' for i in range(500)]
  here = assign_splits(labels, sources, [''] * 500, 0.2, 0.1, 3, False)
  # A fresh interpreter with a different hash seed must agree (no Python hash(), no global RNG).
  out = subprocess.run([sys.executable, '-c', _SCRIPT], capture_output=True, text=True, check=True,
                       env={'PYTHONHASHSEED': '12345', 'PATH': ''})
  assert json.loads(out.stdout.strip().splitlines()[-1]) == here.tolist()
  other_seed = assign_splits(labels, sources, [''] * 500, 0.2, 0.1, 4, False)
  assert (other_seed != here).any()


def test_stratified_fractions_and_order_independence():
  labels = np.repeat(np.arange(4), [400, 300, 200, 100])
  sources = np.array([f'x{i}' for i in range(len(labels))])
  splits = assign_splits(labels, sources, [''] * len(labels), 0.1, 0.2, 0, False)
  assert (splits == 'val').sum() == 100 and (splits == 'test').sum() == 200
  for c, n in enumerate([400, 300, 200, 100]):
    assert ((splits == 'val') & (labels == c)).sum() == n // 10
    assert ((splits == 'test') & (labels == c)).sum() == n // 5
  # Membership follows the example, not its position in the listing.
  perm = np.random.default_rng(0).permutation(len(labels))
  shuffled = assign_splits(labels[perm], sources[perm], [''] * len(labels), 0.1, 0.2, 0, False)
  np.testing.assert_array_equal(shuffled, splits[perm])


def test_one_example_per_class():
  labels = np.arange(20)
  sources = [f's{i}' for i in range(20)]
  splits = assign_splits(labels, sources, [''] * 20, 0.1, 0.1, 0, False)
  assert (splits == 'val').sum() == 2 and (splits == 'test').sum() == 2 and (splits == 'train').sum() == 16
  # The held-out classes are seeded choices, not simply the first labels.
  assert set(labels[splits != 'train']) != {0, 1, 2, 3}


def test_given_splits_are_kept_and_val_carved_from_train():
  labels = np.arange(100) % 5
  given = np.array(['train'] * 80 + ['test'] * 20)
  sources = [f'e{i}' for i in range(100)]
  splits = assign_splits(labels, sources, given, 0.25, 0.1, 0, False)
  assert (splits[80:] == 'test').all()
  assert (splits[:80] == 'val').sum() == 20 and (splits[:80] != 'test').all()
  resplit = assign_splits(labels, sources, given, 0.25, 0.1, 0, True)
  assert (resplit == 'test').sum() == 10 and (resplit == 'val').sum() == 25
