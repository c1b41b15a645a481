"""The prepare stage, cached: read a source, clean, split, drop cross-split copies (gan_jax.data.dataset serves
the result; a source built on another source's prepared splits, stacked_mnist5k, calls it too)."""

from typing import Dict

import numpy as np

from gan_jax.core.errors import DataError
from gan_jax.data import cache, cleaning, report as report_lib, transforms
from gan_jax.data.records import SPLITS, CleanData
from gan_jax.data.splits import assign_splits


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
  }
  return arrays, report_lib.build_report(data_config.name, arrays, log, source_data.notes, meta)


def _split_arrays(clean: CleanData) -> Dict[str, Dict[str, np.ndarray]]:
  out = {}
  for split in SPLITS:
    part = clean.take(clean.splits == split)
    out[split] = {'data': part.data, 'labels': part.labels.astype(np.int64),
                  'sources': np.asarray([str(s) for s in part.sources], dtype=str)}
  return out


def load_or_prepare(data_config, source, write_cache: bool = True) -> tuple:
  """(arrays, report, cache directory, cache hit): the full, clean splits of data_config (no long tail,
  synthetic examples or subset), from the prepared-data cache when it holds them, else prepared and, with
  data.cache and write_cache, cached. Raises DataError when cleaning leaves no train example."""
  directory = cache.cache_dir(data_config, cache.cache_key(data_config, source.fingerprint(data_config)))
  loaded = cache.load(directory) if data_config.cache else None
  if loaded is not None:
    return (*loaded, directory, True)
  write = data_config.cache and write_cache
  if write:
    cache.check_writable(data_config, directory)   # before the work, not after it
  arrays, report = _prepare(data_config, source)
  arrays, report = transforms.apply_transform(data_config, arrays, report)   # cached as prepared (its own key)
  if not len(arrays['train']['labels']):
    raise DataError(f'{data_config.name}: no train examples left after cleaning '
                    f'(dropped: {report["counts_by_reason"]}); see data.clean.*')
  if write:
    cache.save(directory, arrays, report)
  return arrays, report, directory, False
