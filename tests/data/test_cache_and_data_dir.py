"""The prepared-data cache survives damage (discarded with a warning, rebuilt), and data.data_dir is used
only when needed: the built-in digits prepare with an unwritable one; a cache there fails in one line."""

import json
import logging
import os
import shutil
import subprocess

import numpy as np
import pytest

from configs.default import get_config
from gan_jax.data import prepare_dataset
from tests.run_helpers import launch_command, subprocess_env


def _truncate(directory):
  path = os.path.join(directory, 'prepared.npz')
  with open(path, 'r+b') as f:
    f.truncate(os.path.getsize(path) // 2)


def _garbage(directory):
  path = os.path.join(directory, 'prepared.npz')
  data = bytearray(open(path, 'rb').read())
  data[len(data) // 3:len(data) // 3 + 4096] = os.urandom(4096)
  open(path, 'wb').write(bytes(data))


def _bad_report(directory):
  with open(os.path.join(directory, 'report.json'), 'w') as f:
    f.write('{"kept": {"train": 12')


def _missing_report(directory):
  os.remove(os.path.join(directory, 'report.json'))


@pytest.mark.parametrize('damage', [_truncate, _garbage, _bad_report, _missing_report],
                         ids=lambda f: f.__name__.strip('_'))
def test_damaged_cache_is_discarded_and_rebuilt(data_config, damage, caplog):
  first = prepare_dataset(data_config)
  directory = first.report['cache_dir']
  assert not first.report['cache_hit'] and os.path.isdir(directory)
  damage(directory)
  with caplog.at_level(logging.WARNING):
    second = prepare_dataset(data_config)
  warnings = [r.getMessage() for r in caplog.records if 'prepared-data cache' in r.getMessage()]
  assert len(warnings) == 1 and directory in warnings[0] and '\n' not in warnings[0]
  assert not second.report['cache_hit']
  for split in ('train', 'val', 'test'):
    np.testing.assert_array_equal(second.split_arrays(split)['image'], first.split_arrays(split)['image'])
  third = prepare_dataset(data_config)   # the rebuilt cache is complete again
  assert third.report['cache_hit']
  leftovers = [n for n in os.listdir(os.path.dirname(directory)) if n.startswith('.')]
  assert leftovers == []


def _run_without_root_powers(command, **kwargs):
  """Runs command as root without capabilities (file modes then apply to root), or as is when not root."""
  if os.geteuid() == 0:
    if not shutil.which('setpriv'):
      pytest.skip('root ignores file modes and setpriv (util-linux) is not installed to drop that power')
    command = ['setpriv', '--inh-caps=-all', '--bounding-set=-all', *command]
  return subprocess.run(command, capture_output=True, text=True, timeout=300, env=subprocess_env(), **kwargs)


@pytest.fixture
def read_only_dir(tmp_path):
  path = tmp_path / 'read_only'
  path.mkdir()
  path.chmod(0o555)
  probe = _run_without_root_powers(['touch', str(path / 'probe')])
  if probe.returncode == 0:
    pytest.skip('could not make a folder unwritable here (file modes are not enforced)')
  yield path / 'tfds'
  path.chmod(0o755)


def test_unwritable_data_dir_used_only_when_needed(read_only_dir, tmp_path, data_dir):
  """digits with data.cache=False never need the data dir; with the cache on, one line says what to change."""
  flags = ['--mode=prepare', f'--config.data.data_dir={read_only_dir}', '--config.data.image_size=16']
  workdir = tmp_path / 'work'
  workdir.mkdir()
  uncached = _run_without_root_powers(launch_command('default.py', workdir, *flags, '--config.data.cache=False'))
  assert uncached.returncode == 0, uncached.stderr[-2000:]
  report = json.loads((workdir / 'data_report.json').read_text())
  assert 'not writable' in ' '.join(report['notes'])
  assert not os.path.exists(read_only_dir)
  # The same digits as when they are built in a writable data dir.
  config = get_config()
  config.data.update({'data_dir': data_dir, 'image_size': 16, 'cache': False})
  expected = prepare_dataset(config).report
  assert (report['kept'], report['class_counts']) == (expected['kept'], expected['class_counts'])

  cached = _run_without_root_powers(launch_command('default.py', tmp_path / 'work2', *flags))
  assert cached.returncode == 2
  lines = cached.stderr.strip().splitlines()
  assert len(lines) == 1 and lines[0].startswith('error: data.data_dir=')
  assert 'Permission denied' in lines[0] and '--config.data.cache=False' in lines[0]


def test_data_dir_under_a_file_fails_before_any_work(data_config, tmp_path):
  """A data dir that cannot exist: digits still prepare uncached; the cache and the evaluation classifier
  (also kept under data.data_dir) fail in one line before preparing or training."""
  from gan_jax.core.errors import DataError  # pylint: disable=g-import-not-at-top
  from gan_jax.metrics import train_classifier  # pylint: disable=g-import-not-at-top
  (tmp_path / 'a_file').write_text('')
  data_config.data.data_dir = str(tmp_path / 'a_file' / 'tfds')
  data_config.data.cache = False
  ds = prepare_dataset(data_config)
  assert sum(ds.report['kept'].values()) > 1700
  with pytest.raises(DataError, match=r'^cannot save the evaluation classifier to .*\(Not a directory\); set '):
    train_classifier(data_config, None, ds)
  data_config.data.cache = True
  with pytest.raises(DataError, match=r"^data.data_dir='.*a_file/tfds': cannot write the prepared-data cache"):
    prepare_dataset(data_config)
