"""Evaluator: sample, extract features, compute the configured metrics, write results with provenance.

  ev = Evaluator(config, ds, workdir)
  results = ev.evaluate(sample_fn, split='val', step=k)   # sample_fn(num, seed[, labels]) -> float32 [num, *example_shape]

Conditional models (model.conditional != 'none') are asked for class-balanced samples
(labels = np.arange(num) % num_classes); the metrics get those labels as fake['label'].

Writes workdir/eval/<split>_step<k>.json and appends to workdir/eval/results.jsonl (process 0 only).
The real side is the reference data (gan_jax.data.identity): the full, clean, real splits of the run's data
identity, whatever the run's long tail, synthetic examples or subset. Its features are cached under
<cache root>/reference/, keyed by split, extractor, its weights hash and the data identity.
"""

import hashlib
import json
import logging
import os
import time
from typing import Any, Callable, Dict, Optional, Union

import jax
import numpy as np

import gan_jax
from gan_jax.core import runtime
from gan_jax.core.errors import ConfigError
from gan_jax.data.identity import data_identity, reference_dataset
from gan_jax.metrics.classifier import cache_root
from gan_jax.metrics.extractors import build_extractor
from gan_jax.metrics.registry import METRICS

# The fixed settings of each metric, recorded with every result (changing any changes the numbers).
METRIC_SETTINGS = {
    'fid': {'covariance': 'np.cov ddof=1, float64', 'sqrt': 'eigh symmetric form', 'on_singular': 'error'},
    'is': {'splits': 10, 'shuffle_seed': 2020, 'logits': 'extractor logits (inception: fc without bias)'},
    'kid': {'subsets': 100, 'subset_size': 1000, 'degree': 3, 'gamma': '1/dim', 'coef0': 1, 'rng_seed': 2020},
    'precision_recall': {'k': 3}, 'density_coverage': {'k': 5},
    'modes': {'threshold_std': 3.0, 'min_count': 1, 'kl': 'KL(mode histogram || uniform)'},
    'intra_fid': {'real': 'the train split, grouped by dataset label (Miyato & Koyama 2018)',
                  'fake': 'grouped by the labels generated for (conditional models), else classifier predictions'},
    'conditional_accuracy': {'labels': 'class-balanced requests, arange(N) % K', 'predictions': 'extractor argmax'},
    'cas': {'classifier': 'ConvClassifier with config.classifier settings, trained on the N generated samples '
                          'only (class-balanced requests)', 'tested_on': 'the real reference split',
            'seed': 'eval.seed'},
}
# Provenance fields that legitimately differ between comparable results.
_VOLATILE = ('time', 'host', 'runtime')
_REFERENCE_FORMAT = 2   # 2: features of the reference data, keyed by the data identity


def _json_hash(value: Any) -> str:
  return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()


class Evaluator:

  def __init__(self, config, ds, workdir: str):
    self.config, self.ds, self.workdir = config, ds, workdir
    names = (config.eval.metrics,) if isinstance(config.eval.metrics, str) else tuple(config.eval.metrics)
    self.metrics = {name: METRICS.get(name) for name in names}
    from gan_jax.models import resolve_num_classes  # pylint: disable=g-import-not-at-top
    self.num_classes = resolve_num_classes(config.model, ds.num_classes)   # 0: unconditional
    self.extractor = build_extractor(config, ds, workdir)
    self._check_compatible()
    self.data_identity = data_identity(config.data)
    self._reference_ds = None   # prepared on first use, only when ds's train split is not the reference one
    self._reference_cache: Dict[str, Dict[str, np.ndarray]] = {}

  def _check_compatible(self) -> None:
    ext, kind = self.extractor, self.ds.kind
    available = {'logits': ext.has_logits, 'labels': ext.has_labels, 'image': kind == 'image',
                 'labels_or_points': ext.has_labels or kind == 'points', 'conditional': self.num_classes > 0}
    for name, metric in self.metrics.items():
      missing = [req for req in metric.requires if not available[req]]
      if missing:
        raise ConfigError(f'eval.metrics: {name!r} needs {" and ".join(missing)}, which extractor '
                          f'{ext.name!r} on {kind} dataset {self.ds.name!r} does not provide')
      if metric.uses_covariance and self.config.eval.num_samples <= ext.dim:
        raise ConfigError(f'eval.num_samples={self.config.eval.num_samples} is too small for {name!r} with '
                          f'{ext.dim}-d {ext.name} features: use more than {ext.dim}')

  # ---------------------------------------------------------------- reference features
  def _reference_path(self, split: str) -> str:
    key = '-'.join([self.ds.name, split, self.extractor.name, self.extractor.weights_hash[:16],
                    self.data_identity['sha256'][:16], f'v{_REFERENCE_FORMAT}'])
    return os.path.join(cache_root(self.config), 'reference', key + '.npz')

  def reference(self, split: str) -> Dict[str, np.ndarray]:
    """Extractor outputs for the reference data's real `split` plus its dataset 'label'; cached in memory and
    on disk. 'train' is the full clean train split, not the run's (long-tailed, mixed, subset) one."""
    if split in self._reference_cache:
      return self._reference_cache[split]
    path = self._reference_path(split)
    if os.path.isfile(path):
      with np.load(path) as data:
        reference = {name: data[name] for name in data.files}
    else:
      if self._reference_ds is None:
        self._reference_ds = reference_dataset(self.config, self.ds)
      arrays = self._reference_ds.split_arrays(split)
      reference = dict(self.extractor(arrays['image']), label=np.asarray(arrays['label']))
      if jax.process_index() == 0:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = f'{path}.tmp{os.getpid()}.npz'
        np.savez(tmp, **reference)
        os.replace(tmp, path)   # Atomic: concurrent runs never read half a file.
    self._reference_cache[split] = reference
    return reference

  # ---------------------------------------------------------------- evaluation
  def provenance(self, split: str, n_real: int, n_fake: int) -> Dict[str, Any]:
    ext = self.extractor
    return {
        'dataset': self.ds.name, 'reference_split': split, 'n_real': int(n_real), 'n_fake': int(n_fake),
        'extractor': ext.name, 'extractor_weights_sha256': ext.weights_hash, 'feature_dim': int(ext.dim),
        'resize': ext.resize, 'seed': int(self.config.eval.seed), 'metrics': sorted(self.metrics),
        'metric_settings': {name: METRIC_SETTINGS[name] for name in sorted(self.metrics)},
        'data_config_sha256': _json_hash(self.config.data.to_dict()),
        'data_identity_sha256': self.data_identity['sha256'],   # the real side: the reference data
        **({'classifier': ext.identity} if hasattr(ext, 'identity') else {}),
        'gan_jax_version': gan_jax.__version__, 'jax_version': jax.__version__,
        'time': time.strftime('%Y-%m-%dT%H:%M:%S%z'), 'host': os.uname().nodename,
        'runtime': runtime.describe_backend(),   # backend, device kind/count, process count
    }

  def evaluate(self, sample_fn: Callable[[int, int], np.ndarray], split: str = 'val', step: int = 0,
               extra: Optional[Dict[str, float]] = None) -> Dict[str, float]:
    """Returns {result key: float}; see gan_jax.metrics.registry for the keys of each metric. `extra`:
    results computed elsewhere (e.g. a VAE's likelihood bounds on `split`), recorded with these."""
    start = time.time()
    real = self.reference(split)
    num = self.config.eval.num_samples
    requested = np.arange(num, dtype=np.int32) % self.num_classes if self.num_classes else None
    samples = np.asarray(sample_fn(num, self.config.eval.seed, requested) if self.num_classes
                         else sample_fn(num, self.config.eval.seed), np.float32)
    if samples.shape[1:] != tuple(self.ds.example_shape):
      raise ValueError(f'sample_fn returned {samples.shape}, expected [N, *{tuple(self.ds.example_shape)}]')
    if not np.isfinite(samples).all():
      raise ValueError(f'step {step}: generated samples contain NaN/Inf; no metrics computed')
    fake = self.extractor(samples)
    if requested is not None:
      fake['label'] = requested
    context = {'ds': self.ds, 'config': self.config, 'samples': samples, 'split': split,
               'reference': self.reference}
    results: Dict[str, float] = dict(extra or {})
    for name, metric in self.metrics.items():
      results.update({key: float(value) for key, value in metric.fn(real, fake, context).items()})
    record = {'step': int(step), 'split': split, 'results': results, 'seconds': time.time() - start,
              'provenance': self.provenance(split, len(real['features']), len(samples))}
    if jax.process_index() == 0:
      write_record(self.workdir, record)
    return results


def write_record(workdir: str, record: Dict[str, Any]) -> None:
  """workdir/eval/<split>_step<k>.json, and one line appended to workdir/eval/results.jsonl."""
  out_dir = os.path.join(workdir, 'eval')
  os.makedirs(out_dir, exist_ok=True)
  with open(os.path.join(out_dir, f'{record["split"]}_step{record["step"]}.json'), 'w') as f:
    json.dump(record, f, indent=2, sort_keys=True)
  with open(os.path.join(out_dir, 'results.jsonl'), 'a') as f:
    f.write(json.dumps(record, sort_keys=True) + '\n')


def _load(record: Union[str, Dict[str, Any]]) -> Dict[str, Any]:
  if isinstance(record, str):
    with open(record) as f:
      return json.load(f)
  return record


def compare_results(a, b) -> bool:
  """True when two results (dicts or JSON paths written by Evaluator) have comparable provenance.

  Otherwise logs a loud warning naming every differing field and returns False: FIDs from different
  sample counts, reference splits, extractors or weights are different quantities.
  """
  pa, pb = _load(a).get('provenance', {}), _load(b).get('provenance', {})
  differing = sorted(key for key in set(pa) | set(pb) if key not in _VOLATILE and pa.get(key) != pb.get(key))
  if differing:
    details = '; '.join(f'{key}: {pa.get(key)!r} vs {pb.get(key)!r}' for key in differing)
    logging.warning('RESULTS ARE NOT COMPARABLE: provenance differs in %s', details)
    return False
  return True
