"""`image_folder`: a user's folder of images (any format PIL reads) at config.data.path.

Layouts, detected in this order:
  path/{train,val,validation,test}/...  given splits (kept unless data.resplit)
  .../<class>/**/<image>                class subfolders become labels (sorted names -> 0, 1, ...)
  .../<image>                           unlabelled
Files are not filtered by extension: anything that is not a readable image is reported by the cleaning
stage. Hidden files (names starting with '.') are skipped and counted in the report notes.
"""

import hashlib
import os
from typing import List, Tuple

import numpy as np

from gan_jax.data import records
from gan_jax.data.sources.registry import SOURCES, Source
from gan_jax.errors import ConfigError, DataError

_CHUNK = 512
_SPLIT_DIRS = {'train': 'train', 'val': 'val', 'validation': 'val', 'test': 'test'}


def _files_under(root: str) -> Tuple[List[str], int]:
  """Sorted paths of the non-hidden files under root (recursively), and the number of hidden ones."""
  found, hidden = [], 0
  for dirpath, dirnames, filenames in os.walk(root):
    dirnames[:] = sorted(d for d in dirnames if not d.startswith('.'))
    for name in filenames:
      if name.startswith('.'):
        hidden += 1
      else:
        found.append(os.path.join(dirpath, name))
  return sorted(found), hidden


def _subdirs(root: str) -> List[str]:
  return sorted(d for d in os.listdir(root) if os.path.isdir(os.path.join(root, d)) and not d.startswith('.'))


def scan_folder(path: str):
  """Lists the folder: (entries [(file, class name or '', split or None)], class names, hidden count)."""
  top = _subdirs(path)
  split_dirs = [d for d in top if d in _SPLIT_DIRS]
  roots = [(os.path.join(path, d), _SPLIT_DIRS[d]) for d in split_dirs] if split_dirs else [(path, None)]
  class_names = sorted({c for root, _ in roots for c in _subdirs(root)})
  entries, hidden = [], 0
  for root, split in roots:
    files, num_hidden = _files_under(root)
    hidden += num_hidden
    for f in files:
      parts = os.path.relpath(f, root).split(os.sep)
      entries.append((f, parts[0] if len(parts) > 1 else '', split))
  return entries, class_names, hidden


@SOURCES.register('image_folder')
class ImageFolder(Source):
  """Reads file paths; decoding (and reporting what cannot be decoded) is the cleaning stage's job."""

  def validate(self, data_config) -> None:
    if not data_config.path:
      raise ConfigError("data.path='': data.name='image_folder' needs the folder of images")
    if not os.path.isdir(data_config.path):
      raise ConfigError(f'data.path={data_config.path!r}: folder not found (needed by data.name=image_folder)')

  def fingerprint(self, data_config) -> str:
    """Changes when a file is added, removed, resized or touched."""
    entries, _, _ = scan_folder(data_config.path)
    digest = hashlib.sha256()
    for f, _, _ in entries:
      stat = os.stat(f)
      digest.update(f'{f}\0{stat.st_size}\0{stat.st_mtime_ns}\n'.encode())
    return digest.hexdigest()

  def load(self, data_config) -> records.SourceData:
    if not os.path.isdir(data_config.path):
      raise DataError(f'data.path={data_config.path!r}: folder not found')
    entries, class_names, hidden = scan_folder(data_config.path)
    if not entries:
      raise DataError(f'data.path={data_config.path!r}: no files found')
    label_of = {name: i for i, name in enumerate(class_names)}
    has_splits = entries[0][2] is not None
    notes = [f'image_folder: skipped {hidden} hidden files'] if hidden else []

    def chunks():
      for start in range(0, len(entries), _CHUNK):
        part = entries[start:start + _CHUNK]
        # A file directly in a labelled folder has no class: label -1 makes the cleaning stage report it.
        labels = np.array([label_of.get(c, -1) if class_names else 0 for _, c, _ in part], np.int64)
        yield records.RecordChunk(sources=[f for f, _, _ in part], labels=labels,
                                  payload=[f for f, _, _ in part],
                                  splits=[s for _, _, s in part] if has_splits else None)

    return records.SourceData(kind='image', chunks=chunks(), num_classes=len(class_names),
                              label_names=class_names or None, has_splits=has_splits, notes=notes)
