"""metrics.jsonl survives kills and full disks: a cut last line is dropped with a warning, records after
the restored checkpoint are dropped, and the rewrite is atomic (a failure leaves the old file whole). A log
line averages its window, except the family's last-value keys."""

import json
import os

import pytest

from gan_jax.families.progan.trainer import ProganTrainer
from gan_jax.logs import writers


def _write(path, steps, tail=''):
  with open(path, 'w') as f:
    f.writelines(json.dumps({'step': s, 'd_loss': 0.5 + s}) + '\n' for s in steps)
    f.write(tail)


def test_cut_last_line_is_dropped_and_later_steps_trimmed(tmp_path, capsys):
  path = tmp_path / 'metrics.jsonl'
  _write(path, range(1, 6), tail='{"step": 6, "d_lo')   # a kill in the middle of a write
  writers.trim_jsonl(str(path), 4)
  assert [json.loads(line)['step'] for line in open(path)] == [1, 2, 3, 4]
  assert 'dropped 1 unreadable line' in capsys.readouterr().err
  with open(path, 'a') as f:   # the next run appends on a fresh line
    f.write(json.dumps({'step': 5}) + '\n')
  assert [json.loads(line)['step'] for line in open(path)] == [1, 2, 3, 4, 5]


def test_rewrite_is_atomic(tmp_path, monkeypatch):
  path = tmp_path / 'metrics.jsonl'
  _write(path, range(1, 6))
  before = path.read_text()

  def fail(*args):
    raise OSError(28, 'No space left on device')

  monkeypatch.setattr(os, 'replace', fail)   # the rewrite dies before the new file takes the old one's place
  with pytest.raises(OSError):
    writers.trim_jsonl(str(path), 2)
  assert path.read_text() == before
  assert os.listdir(tmp_path) == ['metrics.jsonl']   # no temporary file left behind


def test_a_log_window_is_averaged_except_the_familys_last_value_keys():
  # A ProGAN window across the start of a fade: the line shows where the schedule is at its step.
  window = [(2, {'d_loss': 1.0, 'resolution': 4.0, 'alpha': 1.0}), (3, {'d_loss': 2.0, 'resolution': 8.0,
                                                                         'alpha': 0.0}),
            (4, {'d_loss': 6.0, 'resolution': 8.0, 'alpha': 0.25})]
  assert writers.window_scalars(window, ProganTrainer.last_value_keys) == {'d_loss': 3.0, 'resolution': 8.0,
                                                                           'alpha': 0.25}
  assert writers.window_scalars(window) == {'d_loss': 3.0, 'resolution': 20 / 3, 'alpha': 1.25 / 3}
