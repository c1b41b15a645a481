"""The prepared-data cache: <tfds data dir>/gan_jax_prepared/<name>-<hash of the fields that matter>/.

Holds prepared.npz (per split: uint8 images at the output resolution or float32 points, labels, ids)
and report.json. Written atomically (temp dir, files flushed, then one rename), so concurrent processes
never read half a cache; the loser of a race just discards its copy. A cache that cannot be read
(a truncated file, garbage, a kill during a copy) is discarded with a warning and rebuilt.
"""

import hashlib
import json
import os
import re
import shutil
import tempfile
from typing import Dict, Optional, Tuple

import numpy as np
from absl import logging

from gan_jax.core import schema
from gan_jax.core.errors import DataError
from gan_jax.data import files
from gan_jax.data.records import SPLITS
from gan_jax.data.sources.tfds_catalog import tfds_data_dir

# data.* fields that change what the prepare stage produces (declared in the schema); everything else acts at
# training time.
KEY_FIELDS = tuple(name.split('.', 1)[1] for name in schema.keys_with(schema.DATA_CACHE, 'data'))
FORMAT_VERSION = 2   # 2: image files decoded reduced, file-byte exact duplicates, EXIF orientation
_FIELDS = ('data', 'labels', 'sources')

Arrays = Dict[str, Dict[str, np.ndarray]]   # split -> {'data', 'labels', 'sources'}


def cache_key(data_config, fingerprint: str) -> str:
  """16 hex digits over the KEY_FIELDS values, the source fingerprint and the cache format version."""
  fields = {k: schema.value(data_config, k, plain=True) for k in KEY_FIELDS}
  blob = json.dumps({'fields': fields, 'fingerprint': fingerprint, 'version': FORMAT_VERSION},
                    sort_keys=True, default=str)
  return hashlib.sha256(blob.encode()).hexdigest()[:16]


def cache_dir(data_config, key: str) -> str:
  safe_name = re.sub(r'[^A-Za-z0-9_.-]+', '_', data_config.name)
  return os.path.join(tfds_data_dir(data_config), 'gan_jax_prepared', f'{safe_name}-{key}')


def load(directory: str) -> Optional[Tuple[Arrays, dict]]:
  """(arrays, report) from a complete cache dir, or None when there is none.

  A cache that cannot be read (truncated or garbage npz, bad JSON, missing or inconsistent arrays) is
  moved out of the way with a one-line warning and None is returned, so that it is rebuilt.
  """
  npz_path, report_path = os.path.join(directory, 'prepared.npz'), os.path.join(directory, 'report.json')
  if not os.path.isdir(directory):
    return None
  try:
    with np.load(npz_path, allow_pickle=False) as npz:
      arrays = {s: {f: npz[f'{s}/{f}'] for f in _FIELDS} for s in SPLITS}
    with open(report_path) as f:
      report = json.load(f)
    for split in SPLITS:
      sizes = {len(arrays[split][f]) for f in _FIELDS} | {report['kept'][split]}
      if len(sizes) != 1:
        raise ValueError(f'{split}: arrays and report disagree on the number of examples {sorted(sizes)}')
  except Exception as e:  # zipfile.BadZipFile, OSError, ValueError, KeyError, EOFError, JSONDecodeError, ...
    logging.warning('prepared-data cache %s cannot be read (%s: %s); discarding it and preparing again',
                    directory, type(e).__name__, str(e).splitlines()[0][:160] if str(e) else '')
    _discard(directory)
    return None
  return arrays, report


def _discard(directory: str) -> None:
  """Renames the damaged cache aside (atomic: a concurrent reader never sees half of it), then deletes it."""
  aside = os.path.join(os.path.dirname(directory), f'.damaged-{os.path.basename(directory)}-{os.getpid()}')
  try:
    os.replace(directory, aside)
  except OSError:
    return   # another process discarded it first, or the folder is read-only: preparing again still works
  shutil.rmtree(aside, ignore_errors=True)


def check_writable(data_config, directory: str) -> None:
  """Raises DataError (one line: what to change) when the cache cannot be written into data.data_dir."""
  parent = os.path.dirname(directory)
  reason = files.writable_dir_error(parent)
  if reason is not None:
    raise DataError(f'data.data_dir={data_config.data_dir!r}: cannot write the prepared-data cache in {parent} '
                    f'({reason}); set --config.data.data_dir to a writable folder, or --config.data.cache=False')


def save(directory: str, arrays: Arrays, report: dict) -> None:
  """Writes the cache into a temp dir (files flushed to disk), then renames it into place in one step.

  When another process won the race, keeps theirs. A failed write (e.g. a full disk) is a one-line
  warning: the prepared data are in memory, only the next run's shortcut is lost.
  """
  parent = os.path.dirname(directory)
  try:
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(dir=parent, prefix='.tmp-')
  except OSError as e:
    logging.warning('prepared-data cache not written to %s: %s', parent, e.strerror or e)
    return
  try:
    with open(os.path.join(tmp, 'prepared.npz'), 'wb') as f:
      np.savez(f, **{f'{s}/{field}': arrays[s][field] for s in SPLITS for field in _FIELDS})
      f.flush()
      os.fsync(f.fileno())
    with open(os.path.join(tmp, 'report.json'), 'w') as f:
      json.dump(report, f, indent=1)
      f.flush()
      os.fsync(f.fileno())
    os.replace(tmp, directory)
  except OSError as e:
    if not os.path.exists(os.path.join(directory, 'report.json')):
      logging.warning('prepared-data cache not written to %s: %s', directory, e.strerror or e)
  finally:
    shutil.rmtree(tmp, ignore_errors=True)
