"""prepare_dataset: run (or load from cache) the prepare stage and serve splits and training batches."""

from __future__ import annotations

import os
from typing import Dict, Iterator, Optional

import numpy as np

from gan_jax.core.errors import ConfigError
from gan_jax.data import pipeline, preprocess, report as report_lib, subset
from gan_jax.data import longtail, smote, synthetic_mix, two_domain
from gan_jax.data.config_checks import validate_data_config
from gan_jax.data.prepare import load_or_prepare
from gan_jax.data.rebalance import make_sampler
from gan_jax.data.records import SPLITS
from gan_jax.data.sources import get_source
from gan_jax.data.tf_env import tf


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
  if config.data_b.name:   # two domains: each prepared (and cached, reported) as a one-domain dataset
    pair = two_domain.TwoDomainDataset(
        prepare_dataset(two_domain.domain_a_config(config), None, process_index, process_count),
        prepare_dataset(two_domain.domain_b_config(config), None, process_index, process_count))
    if workdir and process_index == 0:
      report_lib.write_report(os.path.join(workdir, 'data_report.json'), pair.report)
    return pair
  data_config = config.data
  source = get_source(data_config.name)
  arrays, report, directory, hit = load_or_prepare(data_config, source, write_cache=process_index == 0)
  # Long tail first (on the real train split), then SMOTE rows or synthetic examples on top: after the cache.
  arrays, report = longtail.apply_imbalance(data_config, arrays, report)
  arrays, report = smote.apply_smote(data_config, arrays, report, config.seed)
  arrays, report = synthetic_mix.apply_synthetic(data_config, arrays, report)
  # Provenance describes the source, not the cached arrays: read afresh, so a cache from before it has it too.
  report = {**report, 'provenance': source.provenance(data_config),
            'cache_dir': directory if data_config.cache else None, 'cache_hit': hit}
  ds = PreparedDataset(config, arrays, report, process_index, process_count)
  if ds.train_subset is not None:
    report['train_subset'] = subset.subset_report(arrays['train']['labels'], ds.train_subset,
                                                  data_config.train_fraction)
  if ds.standardize_stats is not None:
    report['standardize'] = {'mean': ds.standardize_stats[0].tolist(), 'std': ds.standardize_stats[1].tolist()}
  if workdir and process_index == 0:
    report_lib.write_report(os.path.join(workdir, 'data_report.json'), report)
  return ds
