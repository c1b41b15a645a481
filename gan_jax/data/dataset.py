"""prepare_dataset: run (or load from cache) the prepare stage and serve splits and training batches."""

from __future__ import annotations

import os
from typing import Dict, Iterator, Optional

import numpy as np

from gan_jax.core.errors import ConfigError, DataError
from gan_jax.data import cache, cleaning, pipeline, preprocess, report as report_lib, subset
from gan_jax.data import longtail, smote, synthetic_mix
from gan_jax.data.config_checks import validate_data_config
from gan_jax.data.rebalance import make_sampler
from gan_jax.data.records import SPLITS, CleanData
from gan_jax.data.sources import get_source
from gan_jax.data.splits import assign_splits
from gan_jax.data.tf_env import tf


def _prepare(data_config, source) -> tuple:
  """Runs the prepare stage: read, clean, split, drop cross-split copies. Returns (arrays, report)."""
  source_data = source.load(data_config)
  log = cleaning.CleaningLog()
  clean = cleaning.clean_examples(source_data, data_config, log)
  clean.splits = assign_splits(clean.labels, [str(s) for s in clean.sources], clean.splits,
                               data_config.val_fraction, data_config.test_fraction, data_config.split_seed,
                               data_config.resplit)
  cfg = data_config.clean
  if cfg.enabled and cfg.cross_split_duplicates:
    near = -1 if (source_data.synthetic or source_data.kind == 'points') else cfg.near_duplicate_threshold
    clean = cleaning.drop_cross_split_duplicates(clean, near, log, cfg.copy_max_distance)
  arrays = _split_arrays(clean)
  meta = {
      'kind': source_data.kind,
      'num_classes': int(source_data.num_classes),
      'label_names': source_data.label_names,
      'mode_centers': None if source_data.mode_centers is None else np.asarray(source_data.mode_centers).tolist(),
      'mode_std': source_data.mode_std,
      'splits_from': 'source' if source_data.has_splits and not data_config.resplit else 'fractions',
      **({'provenance': source_data.provenance} if source_data.provenance else {}),
  }
  return arrays, report_lib.build_report(data_config.name, arrays, log, source_data.notes, meta)


def _split_arrays(clean: CleanData) -> Dict[str, Dict[str, np.ndarray]]:
  out = {}
  for split in SPLITS:
    part = clean.take(clean.splits == split)
    out[split] = {'data': part.data, 'labels': part.labels.astype(np.int64),
                  'sources': np.asarray([str(s) for s in part.sources], dtype=str)}
  return out


class PreparedDataset:
  """A cleaned, split dataset held in memory (see docs/architecture.md, "Data")."""

  def __init__(self, config, arrays, report: dict, process_index: int = 0, process_count: int = 1):
    self._config = config
    self.data_config = config.data   # what it was prepared from (gan_jax.data.identity reads it)
    self._arrays = arrays
    self.report = report
    self.name = config.data.name
    self.kind = report['kind']
    self.num_classes = report['num_classes']
    self.mode_centers = None if report['mode_centers'] is None else np.asarray(report['mode_centers'], np.float64)
    self.mode_std = report['mode_std']
    self.process_index, self.process_count = process_index, process_count
    self.example_shape = tuple(arrays['train']['data'].shape[1:])
    # data.train_fraction: the train examples the GAN sees (None = all); split_arrays stays complete.
    self.train_subset = subset.train_subset_indices(arrays['train']['labels'], arrays['train']['sources'],
                                                    config.data.train_fraction, config.data.split_seed, self.name)
    train = arrays['train']['data']
    self.standardize_stats = (preprocess.channel_stats(train)
                              if self.kind == 'image' and config.data.standardize else None)

  def split_arrays(self, split: str) -> Dict[str, np.ndarray]:
    """{'image': float32 [N, *example_shape], 'label': int32 [N]}: preprocessed, never augmented."""
    if split not in SPLITS:
      raise ValueError(f'split {split!r}: allowed {", ".join(SPLITS)}')
    data, labels = self._arrays[split]['data'], self._arrays[split]['labels']
    if self.kind == 'image':
      data = preprocess.finish(preprocess.to_unit_range(data), self.standardize_stats).numpy()
    return {'image': np.asarray(data, np.float32), 'label': labels.astype(np.int32)}

  def split_sources(self, split: str) -> np.ndarray:
    """str [N]: the example ids (file paths for image_folder) of a split, aligned with split_arrays."""
    return self._arrays[split]['sources']

  def train_dataset(self, global_batch_size: int, start_step: int = 0) -> tf.data.Dataset:
    """The tf.data pipeline behind train_iterator (for callers that want tf.data)."""
    if global_batch_size < 1 or global_batch_size % self.process_count:
      raise ConfigError(f'train.batch_size={global_batch_size}: must be a positive multiple of the process '
                        f'count {self.process_count}')
    data = self._config.data
    train = subset.take(self._arrays['train'], self.train_subset)
    sampler = make_sampler(data.rebalance, train['labels'], self._config.seed,
                           dict(data.target_distribution) if data.target_distribution else None)
    return pipeline.train_dataset(
        train['data'], train['labels'], sampler, kind=self.kind, seed=self._config.seed,
        global_batch=global_batch_size, start_step=start_step, process_index=self.process_index,
        process_count=self.process_count, augment_config=data.augment, augment_params=data.augment_params,
        stats=self.standardize_stats, deterministic=data.deterministic, prefetch=data.prefetch)

  def train_iterator(self, global_batch_size: int, start_step: int = 0) -> Iterator[Dict[str, np.ndarray]]:
    """Infinite numpy batches of this process's share; batch k depends only on (seed, data config, k)."""
    return pipeline.as_numpy(self.train_dataset(global_batch_size, start_step))


def prepare_dataset(config, workdir: Optional[str] = None, process_index: int = 0,
                    process_count: int = 1) -> PreparedDataset:
  """Validates config.data, prepares the dataset once per (dataset, config) and returns it.

  The prepared arrays are cached under <data dir>/gan_jax_prepared/ unless data.cache is False.
  Process 0 writes <workdir>/data_report.json. Raises ConfigError / DataError with one line.
  """
  validate_data_config(config)
  data_config = config.data
  source = get_source(data_config.name)
  directory = cache.cache_dir(data_config, cache.cache_key(data_config, source.fingerprint(data_config)))
  loaded = cache.load(directory) if data_config.cache else None
  if loaded is None:
    if data_config.cache and process_index == 0:
      cache.check_writable(data_config, directory)   # before the work, not after it
    arrays, report = _prepare(data_config, source)
    if not len(arrays['train']['labels']):
      raise DataError(f'{data_config.name}: no train examples left after cleaning '
                      f'(dropped: {report["counts_by_reason"]}); see data.clean.*')
    if data_config.cache and process_index == 0:
      cache.save(directory, arrays, report)
  else:
    arrays, report = loaded
  # Long tail first (on the real train split), then SMOTE rows or synthetic examples on top: after the cache.
  arrays, report = longtail.apply_imbalance(data_config, arrays, report)
  arrays, report = smote.apply_smote(data_config, arrays, report, config.seed)
  arrays, report = synthetic_mix.apply_synthetic(data_config, arrays, report)
  report = {**report, 'cache_dir': directory if data_config.cache else None, 'cache_hit': loaded is not None}
  ds = PreparedDataset(config, arrays, report, process_index, process_count)
  if ds.train_subset is not None:
    report['train_subset'] = subset.subset_report(arrays['train']['labels'], ds.train_subset,
                                                  data_config.train_fraction)
  if ds.standardize_stats is not None:
    report['standardize'] = {'mean': ds.standardize_stats[0].tolist(), 'std': ds.standardize_stats[1].tolist()}
  if workdir and process_index == 0:
    report_lib.write_report(os.path.join(workdir, 'data_report.json'), report)
  return ds
