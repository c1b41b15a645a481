"""The data report (data_report.json) and its one-screen summary."""

import collections
import json
import os
import tempfile
from typing import Dict

import numpy as np

from gan_jax.data.records import SPLITS


def class_counts(labels: np.ndarray, labelled: bool) -> Dict[str, int]:
  """{label (str): count}, sorted by label; {} for unlabelled data."""
  if not labelled:
    return {}
  values, counts = np.unique(labels, return_counts=True)
  return {str(int(v)): int(c) for v, c in zip(values, counts)}


def build_report(name: str, arrays, log, notes, meta: dict) -> dict:
  """The report schema: dataset, kept, dropped, counts_by_reason, class_counts, plus converted/notes/meta.

  arrays: split -> {'labels': int [n], ...} after cleaning; log: cleaning.CleaningLog.
  """
  labelled = meta['num_classes'] > 0
  return {
      'dataset': name,
      'kept': {s: int(len(arrays[s]['labels'])) for s in SPLITS},
      'dropped': log.dropped,
      'counts_by_reason': dict(sorted(collections.Counter(d['reason'] for d in log.dropped).items())),
      'class_counts': {s: class_counts(arrays[s]['labels'], labelled) for s in SPLITS},
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
  """A few lines for `launch.py --mode=prepare`: kept per split, drops by reason, conversions, classes."""
  kept = report['kept']
  lines = [f"dataset {report['dataset']}: kept train={kept['train']} val={kept['val']} test={kept['test']}"]
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
