"""data.train_fraction: a stratified, deterministic subset of the train split (val and test untouched).

Each class keeps round(fraction * its size) train examples (at least one is required: a class left
empty is a DataError), chosen by a keyed hash of the example ids (`splits.stable_keys` with
data.split_seed), so the subset is the same on every machine and process, and a smaller fraction's
subset is contained in a larger one's. The GAN trains on the subset; `PreparedDataset.split_arrays`
keeps serving the full splits, so evaluation instruments trained on 'train' (the digits classifier of
the FID-style metrics, cached per dataset) do not depend on the fraction.
"""

from typing import Dict, Optional

import numpy as np

from gan_jax.core.errors import DataError
from gan_jax.data.splits import stable_keys


def train_subset_indices(labels: np.ndarray, sources: np.ndarray, fraction: float, seed: int,
                         dataset: str = '') -> Optional[np.ndarray]:
  """Sorted int64 indices of the kept train examples, or None when fraction == 1 (keep all)."""
  if fraction >= 1:
    return None
  labels = np.asarray(labels)
  keys = stable_keys([f'train_fraction|{s}' for s in sources], seed)
  kept = []
  for label in np.unique(labels):
    members = np.flatnonzero(labels == label)
    count = int(np.floor(fraction * len(members) + 0.5))
    if count == 0:
      raise DataError(f'data.train_fraction={fraction}: class {label} of {dataset or "the dataset"} has '
                      f'{len(members)} train example(s) and would keep none; use a larger fraction')
    kept.append(members[np.argsort(keys[members], kind='stable')[:count]])
  return np.sort(np.concatenate(kept)) if kept else np.zeros(0, np.int64)


def take(split: Dict[str, np.ndarray], indices: Optional[np.ndarray]) -> Dict[str, np.ndarray]:
  """The split's arrays ({'data', 'labels', 'sources'}) restricted to `indices` (None: unchanged)."""
  return split if indices is None else {k: v[indices] for k, v in split.items()}


def subset_report(labels: np.ndarray, indices: Optional[np.ndarray], fraction: float) -> Dict:
  """What data_report.json records about the subset."""
  kept = labels if indices is None else labels[indices]
  classes, counts = np.unique(kept, return_counts=True)
  return {'fraction': fraction, 'train_examples': int(len(kept)), 'of': int(len(labels)),
          'per_class': {str(int(c)): int(n) for c, n in zip(classes, counts)}}
