"""The prepared-data cache: <tfds data dir>/gan_jax_prepared/<name>-<hash of the fields that matter>/.

Holds prepared.npz (per split: uint8 images at the output resolution or float32 points, labels, ids)
and report.json. Written atomically (temp dir, then rename), so concurrent processes never read half a
cache; the loser of a race just discards its copy.
"""

import hashlib
import json
import os
import re
import shutil
import tempfile
from typing import Dict, Optional, Tuple

import numpy as np

from gan_jax.data.records import SPLITS
from gan_jax.data.sources.tfds_catalog import tfds_data_dir

# data.* fields that change what the prepare stage produces; everything else acts at training time.
KEY_FIELDS = ('name', 'path', 'image_key', 'label_key', 'image_size', 'channels', 'num_samples',
              'resize_method', 'antialias', 'resplit', 'val_fraction', 'test_fraction', 'split_seed', 'clean')
_FORMAT_VERSION = 1

Arrays = Dict[str, Dict[str, np.ndarray]]   # split -> {'data', 'labels', 'sources'}


def cache_key(data_config, fingerprint: str) -> str:
  """16 hex digits over the KEY_FIELDS values, the source fingerprint and the cache format version."""
  fields = {k: data_config[k].to_dict() if hasattr(data_config[k], 'to_dict') else data_config[k]
            for k in KEY_FIELDS}
  blob = json.dumps({'fields': fields, 'fingerprint': fingerprint, 'version': _FORMAT_VERSION},
                    sort_keys=True, default=str)
  return hashlib.sha256(blob.encode()).hexdigest()[:16]


def cache_dir(data_config, key: str) -> str:
  safe_name = re.sub(r'[^A-Za-z0-9_.-]+', '_', data_config.name)
  return os.path.join(tfds_data_dir(data_config), 'gan_jax_prepared', f'{safe_name}-{key}')


def load(directory: str) -> Optional[Tuple[Arrays, dict]]:
  """(arrays, report) from a complete cache dir, or None when there is none."""
  npz_path, report_path = os.path.join(directory, 'prepared.npz'), os.path.join(directory, 'report.json')
  if not (os.path.exists(npz_path) and os.path.exists(report_path)):
    return None
  with np.load(npz_path, allow_pickle=False) as npz:
    arrays = {s: {f: npz[f'{s}/{f}'] for f in ('data', 'labels', 'sources')} for s in SPLITS}
  with open(report_path) as f:
    return arrays, json.load(f)


def save(directory: str, arrays: Arrays, report: dict) -> None:
  parent = os.path.dirname(directory)
  os.makedirs(parent, exist_ok=True)
  tmp = tempfile.mkdtemp(dir=parent, prefix='.tmp-')
  try:
    np.savez(os.path.join(tmp, 'prepared.npz'),
             **{f'{s}/{f}': arrays[s][f] for s in SPLITS for f in ('data', 'labels', 'sources')})
    with open(os.path.join(tmp, 'report.json'), 'w') as f:
      json.dump(report, f, indent=1)
    os.rename(tmp, directory)
  except OSError:
    if not os.path.exists(os.path.join(directory, 'report.json')):
      raise
  finally:
    shutil.rmtree(tmp, ignore_errors=True)
