"""data.rebalance=smote: SMOTE rows (Chawla et al. 2002) for the real train split's minority classes, in input space.

imbalanced-learn's SMOTE (the maintained implementation, not a copy) with k_neighbors = data.smote_k and
random_state = config.seed tops every class up to the largest train class: each new row is
x_i + u * (x_nn - x_i), u ~ U[0, 1), x_i a train example of the class and x_nn one of its k nearest neighbours
of the same class (Euclidean, on the flattened pixels). Image rows are rounded back to uint8 pixels.

The rows are appended to the train split after the long tail (gan_jax.data.longtail), after the prepared-data
cache, with ids 'smote:<label>/<k>' (not synthetic: classifier.train_data=real keeps them); val and test never
see them, and the sampler of rebalance=smote visits every row once per epoch. The report gains 'smote' (k,
seed, counts before and added); kept/class_counts stay the real examples. A class SMOTE must oversample needs
k + 1 train examples (itself and k neighbours): fewer is a one-line DataError naming data.smote_k, never a
silent change of k. data.synthetic_path is refused with smote (gan_jax.data.config_checks): SMOTE balances
the real split, so a generated top-up would add nothing.
"""

from typing import Dict, Tuple

import numpy as np

from gan_jax.core.errors import DataError
from gan_jax.data.report import class_counts

SMOTE_PREFIX = 'smote:'


def check_class_sizes(labels: np.ndarray, k: int) -> None:
  """DataError (one line) when a class below the largest has fewer than k + 1 examples."""
  classes, counts = np.unique(np.asarray(labels), return_counts=True)
  short = [(int(c), int(n)) for c, n in zip(classes, counts) if n < counts.max() and n < k + 1]
  if short:
    label, n = min(short, key=lambda item: item[1])
    fix = ('a class of one example has no neighbour: lower data.imbalance_factor' if n == 1 else
           f'lower data.smote_k to at most {n - 1}, or data.imbalance_factor')
    raise DataError(f'data.smote_k={k}: data.rebalance=smote needs k + 1 = {k + 1} train examples of every class it '
                    f'oversamples; class {label} has {n} ({fix})')


def smote_rows(features: np.ndarray, labels: np.ndarray, k: int, seed: int) -> Tuple[np.ndarray, np.ndarray]:
  """(new rows float64 [M, D], their labels [M]) that top every class of (features [N, D], labels [N]) up to the
  largest class count; imbalanced-learn's SMOTE(k_neighbors=k, random_state=seed)."""
  from imblearn.over_sampling import SMOTE  # pylint: disable=g-import-not-at-top  (sklearn: only when used)
  labels = np.asarray(labels)
  check_class_sizes(labels, k)
  features = np.asarray(features, np.float64)
  if len(np.unique(labels)) < 2:   # nothing to balance (imbalanced-learn refuses a single class)
    return np.zeros((0, features.shape[1])), np.zeros(0, labels.dtype)
  resampled, resampled_labels = SMOTE(k_neighbors=k, random_state=seed).fit_resample(features, labels)
  # imbalanced-learn returns the input rows first, then the new ones.
  return resampled[len(features):], resampled_labels[len(features):]


def apply_smote(data_config, arrays: Dict, report: dict, seed: int) -> Tuple[Dict, dict]:
  """Returns (arrays, report) with SMOTE rows appended to train; unchanged unless data.rebalance == 'smote'."""
  if data_config.rebalance != 'smote':
    return arrays, report
  if not report.get('num_classes'):
    raise DataError(f'data.rebalance=smote: dataset {report["dataset"]!r} is unlabelled')
  train = arrays['train']
  data, labels = train['data'], train['labels']
  rows, new_labels = smote_rows(data.reshape(len(data), -1), labels, data_config.smote_k, seed)
  if data.dtype == np.uint8:
    rows = np.clip(np.round(rows), 0, 255)
  rows = rows.astype(data.dtype).reshape((len(rows),) + data.shape[1:])
  rank = np.zeros(len(new_labels), np.int64)
  for label in np.unique(new_labels):
    rank[new_labels == label] = np.arange((new_labels == label).sum())
  ids = np.array([f'{SMOTE_PREFIX}{int(c)}/{int(r)}' for c, r in zip(new_labels, rank)], str)
  arrays = {**arrays, 'train': {'data': np.concatenate([data, rows]),
                                'labels': np.concatenate([labels, new_labels.astype(labels.dtype)]),
                                'sources': np.concatenate([train['sources'].astype(str), ids])}}
  report = {**report, 'smote': {
      'k_neighbors': int(data_config.smote_k), 'seed': int(seed), 'split': 'train',
      'class_counts_before': class_counts(labels, True), 'added': class_counts(new_labels, True),
      'total': int(len(new_labels)), 'train_total_with_smote': int(len(arrays['train']['labels']))}}
  return arrays, report
