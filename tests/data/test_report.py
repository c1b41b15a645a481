"""The class-share guard of the data report: how cleaning moved each class's share, one warning line."""

import numpy as np
import pytest

from gan_jax.data import prepare_dataset, report
from gan_jax.data.cleaning import CleaningLog


def _log(removed, limit=1.0):
  """A cleaning log that dropped removed[reason][label] examples of each label."""
  log = CleaningLog()
  log.settings['max_class_share_change'] = limit
  for reason, by_label in removed.items():
    for label, count in by_label.items():
      for k in range(count):
        log.drop(f'{reason}/{label}/{k}', reason, 'x', label)
  return log


def _arrays(counts):
  labels = np.concatenate([np.full(n, c, np.int64) for c, n in counts.items()])
  empty = {'labels': np.zeros(0, np.int64)}
  return {'train': {'labels': labels}, 'val': empty, 'test': empty}


@pytest.fixture
def warnings(monkeypatch):
  lines = []
  warn = report.logging.warning   # absl's, shared with every module: keep the others' warnings out
  monkeypatch.setattr(report.logging, 'warning',
                      lambda fmt, *args: lines.append(fmt % args) if str(fmt % args).startswith('cleaning moved')
                      else warn(fmt, *args))
  return lines


def test_a_class_losing_more_than_the_limit_is_one_warning_line(warnings):
  # 100 of each class before; class 1 loses 30 to near duplicates and 2 to decoding, class 0 loses 1.
  log = _log({'near_duplicate': {1: 30, 0: 1}, 'undecodable': {1: 2}})
  built = report.build_report('d', _arrays({0: 99, 1: 68, 2: 100}), log, [], {'num_classes': 3})
  shares = built['class_shares']
  assert shares['before'] == {'0': pytest.approx(33.333, abs=1e-3), '1': pytest.approx(33.333, abs=1e-3),
                              '2': pytest.approx(33.333, abs=1e-3)}
  assert shares['change']['1'] == pytest.approx(100 * 68 / 267 - 100 / 3, abs=1e-3)
  assert shares['removed_by_reason'] == {'near_duplicate': {'0': 1, '1': 30}, 'undecodable': {'1': 2}}
  assert len(warnings) == 1 and '\n' not in warnings[0]
  assert warnings[0].startswith('cleaning moved class 1 from 33.33% to 25.47% of the data (-7.87 points')
  assert 'near_duplicate removed 30 of its 32 dropped' in warnings[0]
  assert '2 more class(es)' in warnings[0]   # 0 and 2 gained more than a point
  assert shares['warning'] == warnings[0]
  # Printed by the summary only for a cached report (a fresh prepare has just logged it).
  assert 'warning: cleaning moved class 1' not in report.format_report_summary(built)
  summary = report.format_report_summary({**built, 'cache_hit': True})
  assert summary.count('warning: cleaning moved class 1') == 1


def test_no_warning_within_the_limit(warnings):
  log = _log({'near_duplicate': {1: 2}}, limit=1.0)   # 100, 98, 100: class 1 moves by -0.45 points
  built = report.build_report('d', _arrays({0: 100, 1: 98, 2: 100}), log, [], {'num_classes': 3})
  assert warnings == [] and built['class_shares']['warning'] is None
  assert max(abs(v) for v in built['class_shares']['change'].values()) < 1
  log = _log({'near_duplicate': {1: 2}}, limit=0.1)   # the same with a tighter limit warns
  report.build_report('d', _arrays({0: 100, 1: 98, 2: 100}), log, [], {'num_classes': 3})
  assert len(warnings) == 1 and 'class 1 ' in warnings[0]


def test_unlabelled_data_have_no_class_shares(warnings):
  built = report.build_report('d', _arrays({0: 10}), _log({'near_duplicate': {0: 5}}), [], {'num_classes': 0})
  assert 'class_shares' not in built and warnings == []


def test_digits_lose_no_class_share_to_cleaning(data_config, warnings):
  ds = prepare_dataset(data_config)
  shares = ds.report['class_shares']
  assert shares['limit'] == data_config.data.clean.max_class_share_change
  assert max(abs(v) for v in shares['change'].values()) < 0.2 and shares['warning'] is None
  assert warnings == []
