"""The workdir: a file, a path under a file or an unwritable directory exits 2 in one line before anything
is prepared; a second training run on a busy workdir refuses (and a killed run leaves no stale lock);
a full disk during a save is one line naming the failed and the intact checkpoint."""

import os
import re
import shutil
import signal
import subprocess
import tempfile
import time

import jax
import numpy as np
import pytest

from run_helpers import REPO_ROOT, TINY_RUN_CONFIG, TINY_RUN_FLAGS, launch_command, read_checkpoint, subprocess_env

LAUNCH_PY = os.path.join(REPO_ROOT, 'launch.py')


def _one_error_line(result, status=2):
  assert result.returncode == status, result.stderr[-3000:]
  lines = [line for line in result.stderr.splitlines() if line.strip()]
  assert len(lines) == 1 and lines[0].startswith('error: ') and 'Traceback' not in result.stderr, result.stderr[-3000:]
  return lines[0]


def _identical(a, b):
  return all(np.array_equal(x, y) for x, y in zip(jax.tree.leaves(a), jax.tree.leaves(b)))


@pytest.mark.parametrize('where', ['file', 'under_file'])
def test_workdir_that_is_or_is_under_a_file_exits_2(where, run_launch, tmp_path):
  (tmp_path / 'notes.txt').write_text('not a directory')
  workdir = tmp_path / 'notes.txt' if where == 'file' else tmp_path / 'notes.txt' / 'run'
  line = _one_error_line(run_launch(TINY_RUN_CONFIG, workdir, timeout=120))
  assert f'--workdir={workdir} is' in line and f'{tmp_path / "notes.txt"}' in line and 'not a directory' in line
  assert (tmp_path / 'notes.txt').read_text() == 'not a directory'


def _as_nobody():
  """Command prefix that runs as an unprivileged user (root ignores file modes); None when impossible."""
  if os.geteuid() != 0:
    return []
  prefix = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups']
  if not shutil.which('setpriv') or subprocess.run([*prefix, 'true'], capture_output=True).returncode != 0:
    return None
  # The user must be able to read the checkout (a clone in a private 0700 directory, e.g. mktemp -d, is not).
  if subprocess.run([*prefix, 'test', '-r', LAUNCH_PY], capture_output=True).returncode != 0:
    return None
  return prefix


def test_unwritable_workdir_exits_2_before_preparing_data(data_dir):
  prefix = _as_nobody()
  if prefix is None:
    pytest.skip('running as root, and setpriv cannot drop to an unprivileged user who can read the checkout: '
                'root writes anywhere')
  base = tempfile.mkdtemp(prefix='gan_jax_unwritable_', dir='/tmp')   # outside pytest's private (0700) tree
  try:
    os.chmod(base, 0o755)
    workdir = os.path.join(base, 'run')
    os.mkdir(workdir, 0o555)
    os.chmod(workdir, 0o555)
    data = os.path.join(base, 'data')   # where a data preparation would have written
    command = launch_command(TINY_RUN_CONFIG, workdir, f'--config.data.data_dir={data}')
    result = subprocess.run([*prefix, *command], env=subprocess_env(False, HOME=base), capture_output=True, text=True,
                            timeout=120, cwd=base)
    line = _one_error_line(result)
    assert f'--workdir={workdir} cannot be written (Permission denied' in line
    assert os.listdir(workdir) == [] and not os.path.exists(data)
  finally:
    shutil.rmtree(base)


def test_second_run_on_a_busy_workdir_refuses_and_a_killed_run_leaves_no_lock(tiny_run, run_launch, data_dir,
                                                                             tmp_path):
  # The first run is long (it must still hold the lock when the second starts, whatever the machine's load).
  first = subprocess.Popen(launch_command(TINY_RUN_CONFIG, tmp_path, *TINY_RUN_FLAGS, '--config.train.steps=100000',
                                          f'--config.data.data_dir={data_dir}'),
                           env=subprocess_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
  deadline = time.time() + 300
  while not (tmp_path / 'checkpoints' / '3').exists() and first.poll() is None and time.time() < deadline:
    time.sleep(0.05)
  try:
    second = run_launch(TINY_RUN_CONFIG, tmp_path, *TINY_RUN_FLAGS, timeout=120)
    running = first.poll() is None
  finally:
    first.send_signal(signal.SIGKILL)
    first.wait()
  assert running, 'the first run ended before the second one started'
  line = _one_error_line(second)
  assert f'--workdir={tmp_path} is in use by another training run' in line
  latest = max(int(name) for name in os.listdir(tmp_path / 'checkpoints') if name.isdigit())
  third = run_launch(TINY_RUN_CONFIG, tmp_path, *TINY_RUN_FLAGS, f'--config.train.steps={latest + 1}')
  assert third.returncode == 0, third.stderr[-3000:]   # the kernel dropped the killed run's lock
  assert f'resuming from {tmp_path}/checkpoints/{latest}' in third.stdout


@pytest.fixture
def small_disk(tmp_path):
  """A 420 KiB tmpfs: room for two tiny checkpoints (~170 KiB each) and the logs, not for a third."""
  mount_point = tmp_path / 'disk'
  mount_point.mkdir()
  result = subprocess.run(['mount', '-t', 'tmpfs', '-o', 'size=420k', 'tmpfs', str(mount_point)],
                          capture_output=True, text=True)
  if result.returncode != 0:
    pytest.skip(f'cannot mount a small tmpfs here ({result.stderr.strip() or "mount failed"})')
  yield mount_point
  subprocess.run(['umount', '-l', str(mount_point)], check=False)


def test_full_disk_during_save_is_one_line_and_keeps_intact_checkpoints(small_disk, tiny_run, run_launch):
  workdir = small_disk / 'run'
  line = _one_error_line(run_launch(TINY_RUN_CONFIG, workdir, *TINY_RUN_FLAGS), status=1)
  found = re.fullmatch(r'error: no space left on device while (?:saving checkpoint (\S+)|writing (\S+)); the latest '
                       r'intact checkpoint is (\S+); free space and run again', line)
  assert found, line
  failed, intact = found.group(1), found.group(3)
  intact_step = int(os.path.basename(intact))
  assert intact == f'{workdir}/checkpoints/{intact_step}' and intact_step in (3, 6)
  if failed:
    assert failed == f'{workdir}/checkpoints/{intact_step + 3}'
    assert not os.path.isdir(failed)   # the partial save never became a checkpoint
  for step in range(3, intact_step + 1, 3):   # nothing saved before the failure was lost
    assert _identical(read_checkpoint(workdir, step), read_checkpoint(tiny_run, step))
