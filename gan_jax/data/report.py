"""The data report (data_report.json) and its one-screen summary.

The class-share guard: cleaning must not quietly unbalance the classes (a detector that takes simple
strokes for copies once removed a quarter of MNIST's ones). The report says how each class's share of
the dataset moved from before cleaning to after it, and which reasons removed how many of each class;
a move beyond data.clean.max_class_share_change points is one warning line when the data are prepared.
"""

import collections
import json
import os
import tempfile
from typing import Dict

import numpy as np
from absl import logging

from gan_jax.data.records import SPLITS

_DEFAULT_MAX_SHARE_CHANGE = 1.0   # configs/default.py's data.clean.max_class_share_change (logs without settings)


def class_counts(labels: np.ndarray, labelled: bool) -> Dict[str, int]:
  """{label (str): count}, sorted by label; {} for unlabelled data."""
  if not labelled:
    return {}
  values, counts = np.unique(labels, return_counts=True)
  return {str(int(v)): int(c) for v, c in zip(values, counts)}


def class_shares(kept_labels: np.ndarray, dropped, limit: float) -> dict:
  """How cleaning moved each class's share of the dataset, in percentage points.

  kept_labels: int [n] after cleaning (all splits); dropped: the log's entries (those with a 'label'
  count). Returns {'before', 'after': {label: % of the dataset}, 'change': {label: points},
  'removed_by_reason': {reason: {label: count}}, 'limit': points, 'warning': one line or None}.
  """
  after = collections.Counter(int(v) for v in kept_labels)
  removed = collections.defaultdict(collections.Counter)
  for entry in dropped:
    if 'label' in entry:
      removed[entry['reason']][entry['label']] += 1
  before = after.copy()
  for counts in removed.values():
    before.update(counts)
  labels = sorted(before)
  share = lambda counts: {c: 100.0 * counts[c] / max(1, sum(counts.values())) for c in labels}
  share_before, share_after = share(before), share(after)
  change = {c: share_after[c] - share_before[c] for c in labels}
  beyond = sorted((c for c in labels if abs(change[c]) > limit), key=lambda c: -abs(change[c]))
  return {
      'before': {str(c): round(share_before[c], 3) for c in labels},
      'after': {str(c): round(share_after[c], 3) for c in labels},
      'change': {str(c): round(change[c], 3) for c in labels},
      'removed_by_reason': {r: {str(c): n for c, n in sorted(counts.items())} for r, counts in sorted(removed.items())},
      'limit': limit,
      'warning': _share_warning(beyond, change, share_before, share_after, removed, limit) if beyond else None,
  }


def _share_warning(beyond, change, share_before, share_after, removed, limit) -> str:
  """One line about the class whose share moved most (and how many others moved beyond the limit)."""
  c = beyond[0]
  if change[c] < 0:   # it lost its share: name what removed most of it
    reason, count = max(((r, n[c]) for r, n in removed.items()), key=lambda rn: rn[1])
    cause = f'{reason} removed {count} of its {sum(n[c] for n in removed.values())} dropped'
  else:               # it gained because others lost: name the reason that removed most examples overall
    reason, counts = max(removed.items(), key=lambda rn: sum(rn[1].values()))
    cause = f'others lost examples, mostly to {reason} ({sum(counts.values())} removed)'
  more = f'; {len(beyond) - 1} more class(es) beyond the limit' if len(beyond) > 1 else ''
  return (f'cleaning moved class {c} from {share_before[c]:.2f}% to {share_after[c]:.2f}% of the data '
          f'({change[c]:+.2f} points, beyond data.clean.max_class_share_change={limit:g}): {cause}{more}; '
          "see data_report.json 'class_shares'")


def build_report(name: str, arrays, log, notes, meta: dict) -> dict:
  """The report schema: dataset, kept, dropped, counts_by_reason, class_counts, class_shares (labelled
  data), plus converted/notes/meta.

  arrays: split -> {'labels': int [n], ...} after cleaning; log: cleaning.CleaningLog. A class share
  moved by cleaning beyond the limit (log.settings['max_class_share_change']) is logged as one warning.
  """
  labelled = meta['num_classes'] > 0
  shares = None
  if labelled:
    limit = log.settings.get('max_class_share_change', _DEFAULT_MAX_SHARE_CHANGE)
    shares = class_shares(np.concatenate([arrays[s]['labels'] for s in SPLITS]), log.dropped, limit)
    if shares['warning']:
      logging.warning('%s', shares['warning'])
  return {
      'dataset': name,
      'kept': {s: int(len(arrays[s]['labels'])) for s in SPLITS},
      'dropped': log.dropped,
      'counts_by_reason': dict(sorted(collections.Counter(d['reason'] for d in log.dropped).items())),
      'class_counts': {s: class_counts(arrays[s]['labels'], labelled) for s in SPLITS},
      **({'class_shares': shares} if shares is not None else {}),
      'converted': log.converted,
      'counts_converted': dict(sorted(collections.Counter(c['detail'] for c in log.converted).items())),
      'notes': list(notes) + log.notes,
      **meta,
  }


def imbalance_ratio(counts: Dict[str, int]) -> float:
  """Largest over smallest class count (1.0 when balanced or unlabelled)."""
  values = [v for v in counts.values() if v > 0]
  return max(values) / min(values) if values else 1.0


def format_report_summary(report: dict) -> str:
  """A few lines for `launch.py --mode=prepare`: kept per split, where from, drops by reason, conversions, classes."""
  kept = report['kept']
  lines = [f"dataset {report['dataset']}: kept train={kept['train']} val={kept['val']} test={kept['test']}"]
  if report.get('provenance'):
    lines.append(f"from {report['provenance']['source']}; licence: {report['provenance']['licence']}")
  dropped = report['counts_by_reason']
  lines.append(f'dropped {sum(dropped.values())}' +
               (': ' + ', '.join(f'{k}={v}' for k, v in dropped.items()) if dropped else ''))
  converted = report.get('counts_converted', {})
  if converted:
    lines.append('converted: ' + ', '.join(f'{k}={v}' for k, v in converted.items()))
  train_counts = report['class_counts']['train']
  if train_counts:
    lines.append(f'classes {len(train_counts)} in train, imbalance max/min {imbalance_ratio(train_counts):.2f}')
  if report.get('imbalance'):
    im = report['imbalance']
    after = ' '.join(f'{k}:{v}' for k, v in im['class_counts_after'].items())
    lines.append(f"long tail IF={im['factor']:g}: train {sum(im['class_counts_before'].values())} -> "
                 f"{sum(im['class_counts_after'].values())} ({after})")
  if report.get('synthetic'):
    lines.append(f"synthetic (train only): +{report['synthetic']['total']} from {report['synthetic']['path']}")
  warning = (report.get('class_shares') or {}).get('warning')
  if warning and report.get('cache_hit'):   # a fresh prepare logged it already: one warning line either way
    lines.append(f'warning: {warning}')
  for note in report.get('notes', []):
    lines.append(f'note: {note}')
  return '\n'.join(lines)


def write_report(path: str, report: dict) -> None:
  """Writes JSON atomically (a reader never sees a half-written report)."""
  os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
  fd, tmp = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(path)), prefix='.data_report-')
  with os.fdopen(fd, 'w') as f:
    json.dump(report, f, indent=1)
  os.replace(tmp, path)
