"""Image folders as real disks hold them: every entry that is not a readable regular file is skipped and
reported with its reason, and preparation never hangs (a named pipe used to block it forever)."""

import contextlib
import json
import os
import signal

import numpy as np
import pytest

from gan_jax.data import files, prepare_dataset
from gan_jax.data.records import Fault
from tests.data.conftest import png_bytes, smooth_pattern


@contextlib.contextmanager
def deadline(seconds: int):
  """Fails the test (instead of hanging it) when the block runs longer than `seconds`."""
  def on_alarm(signum, frame):
    raise TimeoutError(f'still running after {seconds} s: preparation hangs')
  previous = signal.signal(signal.SIGALRM, on_alarm)
  signal.alarm(seconds)
  try:
    yield
  finally:
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


@pytest.fixture
def clean_folder(tmp_path):
  """images/{cat,dog}/img_k.png, 6 distinct images per class. Returns (root, clean paths)."""
  rng = np.random.default_rng(1)
  root = tmp_path / 'images'
  clean = []
  for cls in ('cat', 'dog'):
    (root / cls).mkdir(parents=True)
    for k in range(6):
      path = root / cls / f'img_{k}.png'
      path.write_bytes(png_bytes(smooth_pattern(rng)))
      clean.append(str(path))
  return root, clean


def _dangling_symlink(root):
  os.symlink('missing.png', root / 'cat' / 'dangling.png')
  return {'dangling.png': 'dangling_symlink'}


def _symlink_loop(root):
  os.symlink('loop_b.png', root / 'cat' / 'loop_a.png')
  os.symlink('loop_a.png', root / 'cat' / 'loop_b.png')
  os.symlink('self.png', root / 'dog' / 'self.png')
  return {'loop_a.png': 'symlink_loop', 'loop_b.png': 'symlink_loop', 'self.png': 'symlink_loop'}


def _folder_symlink_loop(root):
  os.symlink('..', root / 'cat' / 'up')          # cat/up/cat/up/... would never end
  return {'up': 'symlink_loop'}


def _non_utf8_names(root):
  image = png_bytes(smooth_pattern(np.random.default_rng(7)))
  with open(os.path.join(os.fsencode(root / 'cat'), b'caf\xe9.png'), 'wb') as f:   # Latin-1 name
    f.write(image)
  os.mkdir(os.path.join(os.fsencode(root / 'dog'), b'\xff\xfe'))
  with open(os.path.join(os.fsencode(root / 'dog'), b'\xff\xfe', b'inside.png'), 'wb') as f:
    f.write(image)
  return {'caf\\xe9.png': 'non_utf8_name', '\\xff\\xfe': 'non_utf8_name'}


def _named_pipe(root):
  os.mkfifo(root / 'cat' / 'pipe.png')
  return {'pipe.png': 'not_a_regular_file'}


@pytest.mark.parametrize('plant', [_dangling_symlink, _symlink_loop, _folder_symlink_loop, _non_utf8_names,
                                   _named_pipe], ids=lambda f: f.__name__.strip('_'))
def test_hostile_entry_is_skipped_and_reported(data_config, clean_folder, tmp_path, plant):
  root, clean = clean_folder
  expected = plant(root)
  data_config.data.update({'name': 'image_folder', 'path': str(root), 'channels': 3})
  workdir = tmp_path / 'work'
  with deadline(120):
    ds = prepare_dataset(data_config, str(workdir))
  report = json.loads((workdir / 'data_report.json').read_text(encoding='utf-8'))
  assert {os.path.basename(d['source']): d['reason'] for d in report['dropped']} == expected
  assert all(d.get('detail') for d in report['dropped'])
  kept = {str(s) for split in ('train', 'val', 'test') for s in ds.split_sources(split)}
  assert kept == set(clean)
  assert report['label_names'] == ['cat', 'dog']


def test_named_pipe_detail_and_unit_read(tmp_path):
  """read_regular_file returns at once for a pipe with no writer (open() alone would block forever)."""
  pipe = tmp_path / 'pipe.png'
  os.mkfifo(pipe)
  with deadline(20):
    with pytest.raises(Fault) as caught:
      files.read_regular_file(str(pipe))
  assert (caught.value.reason, caught.value.detail) == ('not_a_regular_file', 'a named pipe')
  with pytest.raises(Fault) as caught:
    files.read_regular_file('/dev/null')
  assert caught.value.detail == 'a character device'


def test_symlinks_to_files_and_folders_are_followed(data_config, clean_folder, tmp_path):
  """A symlink to a regular file is used; a symlinked class folder is entered (once)."""
  root, clean = clean_folder
  outside = tmp_path / 'elsewhere'
  (outside / 'birds').mkdir(parents=True)
  rng = np.random.default_rng(3)
  birds = []
  for k in range(6):
    (outside / 'birds' / f'b{k}.png').write_bytes(png_bytes(smooth_pattern(rng)))
    birds.append(str(root / 'bird' / f'b{k}.png'))
  (outside / 'lone.png').write_bytes(png_bytes(smooth_pattern(rng)))
  os.symlink(outside / 'birds', root / 'bird')                 # a class folder elsewhere
  os.symlink(outside / 'lone.png', root / 'cat' / 'linked.png')  # a file elsewhere
  os.symlink('dog', root / 'zebra')                             # the dog folder again: listed once
  data_config.data.update({'name': 'image_folder', 'path': str(root), 'channels': 3})
  ds = prepare_dataset(data_config)
  report = ds.report
  assert [(os.path.basename(d['source']), d['reason']) for d in report['dropped']] == [('zebra', 'duplicate_folder')]
  assert report['label_names'] == ['bird', 'cat', 'dog']
  kept = {str(s) for split in ('train', 'val', 'test') for s in ds.split_sources(split)}
  assert kept == set(clean) | set(birds) | {str(root / 'cat' / 'linked.png')}
