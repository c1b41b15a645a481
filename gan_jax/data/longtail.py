"""data.imbalance_factor: the long-tailed train split of Cao et al. 2019 (LDAM-DRW's protocol), on demand.

With K classes sorted by label and n_max the largest train class count, class i keeps

    n_i = min(available_i, max(1, int(n_max * (1 / IF) ** (i / (K - 1)))))

examples: `int()` truncates, as the reference code does (imbalance_cifar.py, get_img_num_per_cls); a
class never keeps more than it has, nor fewer than one. Which examples a class keeps: the n_i with the
smallest keyed hash of their id (splits.stable_keys seeded by data.split_seed), so the subset is a pure
function of the split seed, identical in every process. Val and test are left as they are (balanced),
so test accuracy stays balanced accuracy. Applied after the prepared-data cache: one cache serves every IF.
"""

from typing import Dict, Tuple

import numpy as np

from gan_jax.data.report import class_counts
from gan_jax.data.splits import stable_keys

ROUNDING = 'int() truncation of n_max * (1/IF)**(i/(K-1)), at least 1, at most the class count'


def long_tail_counts(available: np.ndarray, imbalance_factor: float) -> np.ndarray:
  """int64 [K]: examples kept per class index 0..K-1, given the available train count of each class."""
  available = np.asarray(available, np.int64)
  k = len(available)
  n_max = int(available.max()) if k else 0
  if k < 2:
    return available.copy()
  target = np.array([max(1, int(n_max * (1.0 / imbalance_factor) ** (i / (k - 1.0)))) for i in range(k)])
  return np.minimum(available, target).astype(np.int64)


def long_tail_mask(labels: np.ndarray, sources: np.ndarray, num_classes: int, imbalance_factor: float,
                   seed: int) -> np.ndarray:
  """bool [N]: the train examples the long-tailed split keeps (labels int [N] in 0..num_classes-1)."""
  labels = np.asarray(labels, np.int64)
  available = np.bincount(labels, minlength=num_classes)
  keep_counts = long_tail_counts(available, imbalance_factor)
  keys = stable_keys([f'longtail|{s}' for s in sources], seed)
  order = np.lexsort((keys, labels))   # by class, then by keyed hash
  starts = np.concatenate([[0], np.cumsum(available)[:-1]])
  rank = np.empty(len(labels), np.int64)
  rank[order] = np.arange(len(labels)) - np.repeat(starts, available)
  return rank < keep_counts[labels]


def apply_imbalance(data_config, arrays: Dict, report: dict) -> Tuple[Dict, dict]:
  """Returns (arrays, report) with the train split long-tailed; unchanged when data.imbalance_factor == 1.

  The report gains 'imbalance': {factor, rounding, class_counts_before, class_counts_after}, and its
  kept/class_counts of train describe the long-tailed split.
  """
  factor = data_config.imbalance_factor
  if factor == 1 or not report.get('num_classes'):
    return arrays, report
  train = arrays['train']
  keep = long_tail_mask(train['labels'], train['sources'], report['num_classes'], factor, data_config.split_seed)
  arrays = {**arrays, 'train': {k: v[keep] for k, v in train.items()}}
  before = report['class_counts']['train']
  after = class_counts(arrays['train']['labels'], True)
  report = {**report, 'kept': {**report['kept'], 'train': int(keep.sum())},
            'class_counts': {**report['class_counts'], 'train': after},
            'imbalance': {'factor': float(factor), 'rounding': ROUNDING, 'seed': int(data_config.split_seed),
                          'class_counts_before': before, 'class_counts_after': after}}
  return arrays, report
