"""`image_folder`: a user's folder of images (any format PIL reads) at config.data.path.

Layouts, detected in this order:
  path/{train,val,validation,test}/...  given splits (kept unless data.resplit)
  .../<class>/**/<image>                class subfolders become labels (sorted names -> 0, 1, ...)
  .../<image>                           unlabelled
Files are not filtered by extension: anything that is not a readable image is reported by the cleaning
stage. Hidden files (names starting with '.') are skipped and counted in the report notes. Only regular
files are opened (a symlink to one is fine); dangling symlinks, symlink loops, named pipes, devices and
names that are not UTF-8 are listed in the report with their reason (gan_jax.data.files). Symlinked
folders are followed, each real folder once.
"""

import dataclasses
import hashlib
import os
from typing import List, Optional, Tuple

import numpy as np

from gan_jax.core.errors import ConfigError, DataError
from gan_jax.data import files, records
from gan_jax.data.records import Fault
from gan_jax.data.sources.registry import SOURCES, Source

_CHUNK = 512
_SPLIT_DIRS = {'train': 'train', 'val': 'val', 'validation': 'val', 'test': 'test'}


def _subdirs(root: str) -> List[str]:
  return sorted(d for d in os.listdir(root)
                if os.path.isdir(os.path.join(root, d)) and not d.startswith('.') and files.is_utf8(d))


@dataclasses.dataclass
class Entry:
  """One folder entry: a file to decode, or a Fault saying why it cannot be used."""
  path: str
  class_name: str            # '' when unlabelled or directly in a labelled folder
  split: Optional[str]       # None when the folder has no split subfolders
  fault: Optional[Fault]
  stat: Optional[os.stat_result]

  @property
  def source(self) -> str:
    return files.display_name(self.path)


def scan_folder(path: str) -> Tuple[List[Entry], List[str], int]:
  """Lists the folder: (entries in path order, class names, hidden file count).

  Entries that are not readable regular files (dangling symlinks, symlink loops, pipes, non-UTF-8
  names, ...) are listed with their Fault, and so are folders that were not entered.
  """
  try:
    top = _subdirs(path)
  except OSError as e:
    raise DataError(f'data.path={path!r}: cannot list the folder ({e.strerror})') from None
  split_dirs = [d for d in top if d in _SPLIT_DIRS]
  roots = [(os.path.join(path, d), _SPLIT_DIRS[d]) for d in split_dirs] if split_dirs else [(path, None)]
  visited = {}
  trees = [(root, split, files.list_tree(root, visited)) for root, split in roots]
  class_names = sorted({c for _, _, tree in trees for c in tree.top_dirs})
  entries, hidden = [], 0
  for root, split, tree in trees:
    hidden += tree.hidden
    found = [(f, *files.entry_fault(f, os.path.relpath(f, path))) for f in tree.files]
    found += [(folder, fault, None) for folder, fault in tree.skipped]
    for f, fault, info in sorted(found, key=lambda item: item[0]):
      parts = os.path.relpath(f, root).split(os.sep)
      entries.append(Entry(f, parts[0] if len(parts) > 1 else '', split, fault, info))
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
    for e in entries:
      state = e.fault.reason if e.fault else f'{e.stat.st_size}\0{e.stat.st_mtime_ns}'
      digest.update(os.fsencode(e.path) + f'\0{state}\n'.encode())
    return digest.hexdigest()

  def provenance(self, data_config) -> dict:
    unknown = 'unknown: supplied by the user'
    return {'source': f'the image folder {os.path.abspath(data_config.path)} (data.path), supplied by the user',
            'content': 'the images found there (class subfolders become labels)', 'licence': unknown,
            'citation': unknown}

  def load(self, data_config) -> records.SourceData:
    if not os.path.isdir(data_config.path):
      raise DataError(f'data.path={data_config.path!r}: folder not found')
    entries, class_names, hidden = scan_folder(data_config.path)
    if not entries:
      raise DataError(f'data.path={data_config.path!r}: no files found')
    label_of = {name: i for i, name in enumerate(class_names)}
    has_splits = entries[0].split is not None
    notes = [f'image_folder: skipped {hidden} hidden files'] if hidden else []

    def chunks():
      for start in range(0, len(entries), _CHUNK):
        part = entries[start:start + _CHUNK]
        # A file directly in a labelled folder has no class: label -1 makes the cleaning stage report it.
        labels = np.array([label_of.get(e.class_name, -1) if class_names else 0 for e in part], np.int64)
        yield records.RecordChunk(sources=[e.source for e in part], labels=labels,
                                  payload=[e.fault or e.path for e in part],
                                  splits=[e.split for e in part] if has_splits else None)

    return records.SourceData(kind='image', chunks=chunks(), num_classes=len(class_names),
                              label_names=class_names or None, has_splits=has_splits, notes=notes)
