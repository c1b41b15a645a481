"""Folders and files as real disks hold them: listing and reading that never hang and never trace back.

An image folder may hold dangling symlinks, symlink loops, names that are not UTF-8, named pipes (`open`
blocks forever on one), sockets and devices (a device may read forever). `list_tree` walks a folder
(following symlinked folders, each real folder once), `entry_fault` says why an entry cannot be used, and
`read_regular_file` reads only regular files. Problems become `Fault`s with a report reason:
  non_utf8_name, dangling_symlink, symlink_loop, duplicate_folder, not_a_regular_file, unreadable.
"""

import dataclasses
import errno
import os
import stat
import tempfile
from typing import Dict, List, Optional, Tuple

from gan_jax.data.records import Fault

_KINDS = ((stat.S_ISDIR, 'a folder'), (stat.S_ISFIFO, 'a named pipe'), (stat.S_ISSOCK, 'a socket'),
          (stat.S_ISCHR, 'a character device'), (stat.S_ISBLK, 'a block device'))


def display_name(path: str) -> str:
  """A path as printable text: bytes that are not UTF-8 appear as \\xNN."""
  return os.fsencode(path).decode('utf-8', 'backslashreplace')


def is_utf8(name: str) -> bool:
  """False for names whose bytes are not UTF-8 (Python holds them as lone surrogates)."""
  try:
    name.encode('utf-8')
  except UnicodeEncodeError:
    return False
  return True


def _link_target(path: str) -> str:
  try:
    return display_name(os.readlink(path))
  except OSError:
    return '?'


def _os_error_fault(path: str, error: OSError) -> Fault:
  if error.errno == errno.ELOOP:
    return Fault('symlink_loop', f'symlink to {_link_target(path)} never reaches a file')
  if error.errno == errno.ENOENT and os.path.islink(path):
    return Fault('dangling_symlink', f'symlink to missing {_link_target(path)}')
  return Fault('unreadable', error.strerror or type(error).__name__)


def _type_fault(mode: int) -> Optional[Fault]:
  if stat.S_ISREG(mode):
    return None
  return Fault('not_a_regular_file', next((kind for is_kind, kind in _KINDS if is_kind(mode)), 'special file'))


def entry_fault(path: str, name: str) -> Tuple[Optional[Fault], Optional[os.stat_result]]:
  """(why the folder entry cannot be used, or None; its stat, following symlinks, when it has one).

  name: the entry's name relative to the folder the user gave (checked for UTF-8).
  """
  if not is_utf8(name):
    return Fault('non_utf8_name', 'the name is not valid UTF-8'), None
  try:
    info = os.stat(path)
  except OSError as e:
    return _os_error_fault(path, e), None
  return _type_fault(info.st_mode), info


def read_regular_file(path: str) -> bytes:
  """The bytes of a regular file (a symlink to one is fine). Raises Fault for anything else, at once.

  O_NONBLOCK makes opening a named pipe return instead of waiting for a writer; fstat of the opened
  descriptor then rejects it (no race between checking and opening).
  """
  try:
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
  except OSError as e:
    raise _os_error_fault(path, e) from None
  try:
    fault = _type_fault(os.fstat(fd).st_mode)
    if fault is not None:
      raise fault
    with os.fdopen(fd, 'rb', closefd=False) as f:
      return f.read()
  except OSError as e:
    raise Fault('unreadable', e.strerror or type(e).__name__) from None
  finally:
    os.close(fd)


@dataclasses.dataclass
class Tree:
  """A folder's listing: what to read, what was skipped (with why)."""
  files: List[str]                    # sorted paths of the non-hidden entries that are not folders
  top_dirs: List[str]                 # names of the first-level folders that were listed
  hidden: int                         # hidden files ('.name') not listed
  skipped: List[Tuple[str, Fault]]    # folders not listed: loops, duplicates, non-UTF-8 names, unreadable


def list_tree(root: str, visited: Optional[Dict[Tuple[int, int], str]] = None) -> Tree:
  """Walks root recursively, following symlinked folders but entering each real folder once.

  visited: (st_dev, st_ino) -> path of folders already listed (share it across several roots). A symlink
  back to a folder above it is a `symlink_loop`; one to a folder listed elsewhere a `duplicate_folder`.
  """
  visited = {} if visited is None else visited
  ids = {root: _folder_id(os.stat(root))}
  visited.setdefault(ids[root], root)
  files, top_dirs, skipped, hidden = [], [], [], 0

  def on_error(error: OSError) -> None:
    skipped.append((error.filename, Fault('unreadable', f'cannot list the folder: {error.strerror}')))

  for dirpath, dirnames, filenames in os.walk(root, onerror=on_error, followlinks=True):
    keep = []
    for name in sorted(d for d in dirnames if not d.startswith('.')):
      path = os.path.join(dirpath, name)
      fault = None if is_utf8(name) else Fault('non_utf8_name', 'the folder name is not valid UTF-8')
      try:
        key = _folder_id(os.stat(path))
      except OSError as e:
        fault = fault or _os_error_fault(path, e)
      if fault is None and key in visited:
        above = key in _ancestor_ids(dirpath, root, ids)
        fault = Fault('symlink_loop' if above else 'duplicate_folder',
                      f'the same folder as {display_name(visited[key])}' + (', above it' if above else ''))
      if fault is not None:
        skipped.append((path, fault))
        continue
      visited[key], ids[path] = path, key
      keep.append(name)
      if dirpath == root:
        top_dirs.append(name)
    dirnames[:] = keep
    for name in filenames:
      if name.startswith('.'):
        hidden += 1
      else:
        files.append(os.path.join(dirpath, name))
  return Tree(sorted(files), top_dirs, hidden, skipped)


def _folder_id(info: os.stat_result) -> Tuple[int, int]:
  return info.st_dev, info.st_ino


def _ancestor_ids(dirpath: str, root: str, ids: Dict[str, Tuple[int, int]]) -> set:
  """The folder ids of dirpath and every folder above it up to root."""
  chain = set()
  while True:
    chain.add(ids[dirpath])
    if dirpath == root:
      return chain
    dirpath = os.path.dirname(dirpath)


def writable_dir_error(directory: str) -> Optional[str]:
  """None when files can be created in directory (made when missing); else why not (the OS's words)."""
  try:
    os.makedirs(directory, exist_ok=True)
    with tempfile.TemporaryFile(dir=directory):
      pass
  except OSError as e:
    return e.strerror or type(e).__name__
  return None
