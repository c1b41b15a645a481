"""data.synthetic_path: labelled synthetic examples (e.g. from --mode=synthesize) added to the TRAIN split only.

The folder is read by gan_jax's own `image_folder` source and decoder (one subfolder per class, named as
the data report names the class; files next to the class folders, such as manifest.json, are ignored).
It is checked first: every subfolder must be a class of the dataset and every image must have the
dataset's shape (data.image_size square, data.channels), else DataError. How many are taken per class
(data.synthetic_fill, a registry):

  balance   top every class up to the largest real train class count (what the folder holds, at most)
  fraction  round(data.synthetic_fraction * real train count) examples, split evenly over the classes
  all       every example of the folder (e.g. for a synthetic-only classifier, classifier.train_data=synthetic)
  multiple  beyond balance: top every class up to round(data.synthetic_multiple * the largest real train class
            count) real + synthetic examples (1 = balance; --mode=synthesize --num_per_class=N with N >= that)

Within a class the examples with the smallest keyed hash of their file name (seeded by data.split_seed)
are taken. Synthetic examples carry ids 'synthetic:<class>/<file>' (see `is_synthetic`); val and test
never see them. The data report counts them apart: report['synthetic'], while kept/class_counts stay real.
"""

import collections
import json
import os
from typing import Dict, List, Tuple

import ml_collections
import numpy as np
from PIL import Image

from gan_jax.core.errors import DataError
from gan_jax.core.registry import Registry
from gan_jax.data import cleaning
from gan_jax.data.sources import get_source
from gan_jax.data.sources.image_folder import scan_folder
from gan_jax.data.splits import stable_keys

SYNTHETIC_PREFIX = 'synthetic:'
MANIFEST = 'manifest.json'   # written last by --mode=synthesize (gan_jax.outputs.synthesize)
FILLS = Registry('synthetic fill', 'data.synthetic_fill')
_CHANNELS = {'L': 1, 'RGB': 3}


def class_names(report: dict) -> List[str]:
  """The dataset's class names by label (the report's label_names, else '0', '1', ...)."""
  names = report.get('label_names')
  return [str(n) for n in names] if names else [str(i) for i in range(report['num_classes'])]


def is_synthetic(sources: np.ndarray) -> np.ndarray:
  """bool [N]: which example ids (PreparedDataset.split_sources) are synthetic."""
  return np.char.startswith(np.asarray(sources, dtype=str), SYNTHETIC_PREFIX)


# Each fill: (real train counts [K], synthetic examples available [K], config.data) -> examples taken [K].
@FILLS.register('balance')
def _fill_balance(real: np.ndarray, available: np.ndarray, data_config) -> np.ndarray:
  del data_config
  return np.minimum(available, real.max() - real)


@FILLS.register('all')
def _fill_all(real: np.ndarray, available: np.ndarray, data_config) -> np.ndarray:
  del real, data_config
  return available


@FILLS.register('fraction')
def _fill_fraction(real: np.ndarray, available: np.ndarray, data_config) -> np.ndarray:
  total, k = int(round(data_config.synthetic_fraction * real.sum())), len(real)
  wanted = np.full(k, total // k) + (np.arange(k) < total % k)
  return np.minimum(available, wanted)


@FILLS.register('multiple')
def _fill_multiple(real: np.ndarray, available: np.ndarray, data_config) -> np.ndarray:
  target = int(round(data_config.synthetic_multiple * real.max()))
  return np.minimum(available, np.maximum(target - real, 0))


def read_manifest(path: str) -> Dict:
  """path/manifest.json as a dict; DataError (one line) when it is missing or not a JSON object.

  --mode=synthesize writes it last, so a folder without one is unfinished (an interrupted synthesize leaves
  a hidden .synthetic-* folder); a folder made by other means needs a manifest.json too (any JSON object).
  """
  file = os.path.join(path, MANIFEST)
  try:
    with open(file) as f:
      manifest = json.load(f)
  except (OSError, ValueError) as e:
    why = 'missing' if isinstance(e, FileNotFoundError) else 'not readable JSON'
    raise DataError(f'data.synthetic_path={path!r}: {MANIFEST} is {why}; a finished --mode=synthesize output has '
                    'one (an interrupted one does not): synthesize again, or add a manifest.json describing '
                    'the folder') from None
  if not isinstance(manifest, dict):
    raise DataError(f'data.synthetic_path={path!r}: {MANIFEST} is not a JSON object')
  return manifest


def check_folder(path: str, names: List[str], image_size: int, channels: int) -> None:
  """DataError (one line) unless path holds class subfolders of `names` with images of the dataset's shape,
  and a manifest.json (whose counts_per_class, when it has them, the folder matches)."""
  if not os.path.isdir(path):
    raise DataError(f'data.synthetic_path={path!r}: folder not found')
  entries, folder_classes, _ = scan_folder(path)
  foreign = sorted(set(folder_classes) - set(names))
  if not folder_classes or foreign:
    raise DataError(f'data.synthetic_path={path!r}: needs one subfolder per class named as the dataset\'s classes '
                    f'({", ".join(names[:12])}); found {"foreign " + str(foreign[:5]) if foreign else "none"}')
  found = collections.Counter(e.class_name for e in entries if e.class_name and e.fault is None)
  if not found:
    raise DataError(f'data.synthetic_path={path!r}: its class subfolders ({", ".join(folder_classes[:12])}) hold no '
                    'files')
  manifest = read_manifest(path)
  promised = manifest.get('counts_per_class')
  if isinstance(promised, dict):
    for name, count in sorted(promised.items()):
      if found.get(str(name), 0) != count:
        raise DataError(f'data.synthetic_path={path!r}: class {name} holds {found.get(str(name), 0)} files, its '
                        f'{MANIFEST} says {count} (an edited or incomplete synthesize output)')
  for entry in entries:
    if not entry.class_name or entry.fault is not None:   # faults are reported when the folder is read
      continue
    file = entry.path
    try:
      with Image.open(file) as image:
        size, mode = image.size, image.mode
    except Exception:  # PIL raises many types for non-images
      raise DataError(f'data.synthetic_path: {file!r} is not an image') from None
    if size != (image_size, image_size) or _CHANNELS.get(mode) != channels:
      raise DataError(f'data.synthetic_path: {file!r} is {size[0]}x{size[1]} mode {mode}; the dataset needs '
                      f'{image_size}x{image_size} with {channels} channel(s) (data.image_size, data.channels)')


def _read_folder(data_config, names: List[str]) -> Tuple[np.ndarray, np.ndarray, np.ndarray, dict]:
  """(uint8 images, labels (dataset's), ids, dropped counts) of the synthetic folder, via image_folder."""
  sub = ml_collections.ConfigDict(data_config.to_dict())
  sub.name, sub.path, sub.clean.enabled = 'image_folder', data_config.synthetic_path, False
  source_data = get_source('image_folder').load(sub)
  log = cleaning.CleaningLog()
  clean = cleaning.clean_examples(source_data, sub, log)
  to_dataset = np.array([names.index(n) for n in source_data.label_names], np.int64)
  root = os.path.abspath(data_config.synthetic_path)
  ids = np.array([SYNTHETIC_PREFIX + os.path.relpath(os.path.abspath(str(s)), root) for s in clean.sources], str)
  dropped = collections.Counter(d['reason'] for d in log.dropped if not d['source'].endswith('manifest.json'))
  return clean.data, to_dataset[clean.labels], ids, dict(dropped)


def _choose(labels: np.ndarray, ids: np.ndarray, take: np.ndarray, seed: int) -> np.ndarray:
  """int [sum(take)]: the take[c] examples of each class c with the smallest keyed hash of their id."""
  keys = stable_keys(ids.tolist(), seed)
  chosen = [np.flatnonzero(labels == c)[np.argsort(keys[labels == c], kind='stable')[:n]]
            for c, n in enumerate(take)]
  return np.sort(np.concatenate(chosen)).astype(np.int64) if chosen else np.zeros(0, np.int64)


def apply_synthetic(data_config, arrays: Dict, report: dict) -> Tuple[Dict, dict]:
  """Returns (arrays, report) with the synthetic examples appended to train; unchanged without synthetic_path."""
  if not data_config.synthetic_path:
    return arrays, report
  names = class_names(report)
  if not report.get('num_classes') or report['kind'] != 'image':
    raise DataError(f'data.synthetic_path: dataset {report["dataset"]!r} is not a labelled image dataset')
  check_folder(data_config.synthetic_path, names, data_config.image_size, data_config.channels)
  images, labels, ids, dropped = _read_folder(data_config, names)
  k = report['num_classes']
  real = np.bincount(arrays['train']['labels'], minlength=k)
  available = np.bincount(labels, minlength=k)
  take = FILLS.get(data_config.synthetic_fill)(real, available, data_config)
  index = _choose(labels, ids, take, data_config.split_seed)
  train = arrays['train']
  arrays = {**arrays, 'train': {'data': np.concatenate([train['data'], images[index]]),
                                'labels': np.concatenate([train['labels'], labels[index]]),
                                'sources': np.concatenate([train['sources'].astype(str), ids[index]])}}
  added = {str(c): int(n) for c, n in enumerate(take) if n}
  report = {**report, 'synthetic': {
      'path': os.path.abspath(data_config.synthetic_path), 'fill': data_config.synthetic_fill,
      'fraction': float(data_config.synthetic_fraction), 'multiple': float(data_config.synthetic_multiple),
      'split': 'train', 'class_counts': added,
      'available': {str(c): int(n) for c, n in enumerate(available)}, 'total': int(take.sum()),
      'train_total_with_synthetic': int(len(arrays['train']['labels'])), 'dropped': dropped}}
  return arrays, report
