"""Derived numbers (FLOP/s, utilisation, speedups) and the markdown tables of a benchmarks/run.py result."""

import math
from typing import Dict, List, Optional

TORCH_EAGER, TORCH_COMPILE = 'torch-eager', 'torch-compile'


def _peak_for(result: dict, dtype: str) -> Dict[str, Optional[float]]:
  peaks = result.get('peaks') or {}
  measured = (peaks.get('measured_matmul_flops') or {}).get(dtype)
  datasheet = (peaks.get('datasheet_flops') or {}).get(dtype)
  return {'measured': measured, 'datasheet': datasheet}


def _same_shape(a: dict, b: dict) -> bool:
  return (all(a[k] == b[k] for k in ('batch', 'image_size', 'dtype'))
          and all(a.get(k) == b.get(k) for k in ('g_width', 'd_width')))


def add_derived(result: dict) -> None:
  """Adds achieved FLOP/s, utilisation and per-row speedups (peer time / this time) in place."""
  rows: List[dict] = result['results']
  for row in rows:
    median_ms, flops = row.get('step_ms_median'), row.get('flops_per_step')
    if median_ms and flops:
      row['achieved_flops'] = flops / (median_ms / 1e3)
      peak = _peak_for(result, row['dtype'])
      for kind, value in peak.items():
        row[f'utilisation_vs_{kind}_peak'] = row['achieved_flops'] / value if value else None
      bf16 = _peak_for(result, 'bfloat16')['measured']   # one ceiling for every row: the device's best
      row['utilisation_vs_measured_bf16_peak'] = row['achieved_flops'] / bf16 if bf16 else None
    for peer in (TORCH_EAGER, TORCH_COMPILE):
      match = next((r for r in rows if r['impl'] == peer and _same_shape(r, row)), None)
      if match and match.get('step_ms_median') and median_ms:
        row[f'speedup_vs_{peer}'] = match['step_ms_median'] / median_ms


def _fmt(value, spec='.1f', scale=1.0) -> str:
  if value is None or (isinstance(value, float) and math.isnan(value)):
    return '-'
  return format(value * scale, spec)


def _load(row: dict) -> str:
  return f"{_fmt(row.get('load_avg_1m_before'), '.2f')}/{_fmt(row.get('load_avg_1m_after'), '.2f')}"


def to_markdown(result: dict) -> str:
  meta, peaks = result['meta'], result.get('peaks') or {}
  resnet = meta.get('model') == 'resnet'
  title = ('ResNet/SNGAN step (5 D updates + 1 G update)' if resnet else 'DCGAN step')
  lines = [f"# Training throughput: gan_jax {title} vs PyTorch peer ({meta['date']})", '']
  lines.append(f"Command: `{meta['command']}`  ")
  lines.append(f"Host: {meta['host']}, {meta['cpu_count']} CPUs, Python {meta['python']}; "
               f"{meta['steps']} timed steps per implementation in {meta['rounds']} interleaved rounds "
               f"after {meta['warmup']} warm-up steps; medians. Load average (1 min) at start/end: "
               f"{_fmt(meta['load_avg_start'][0], '.2f')}/{_fmt(meta['load_avg_end'][0], '.2f')}.  ")
  if 'error' in peaks:
    lines.append(f"Peak measurement failed: {peaks['error']}")
  else:
    measured = peaks.get('measured_matmul_flops', {})
    lines.append(f"Device: {peaks.get('platform')} ({peaks.get('device_kind')}); measured peak "
                 f"({peaks.get('matmul_size')}^2 jnp.dot): float32 {_fmt(measured.get('float32'), '.1f', 1e-9)} "
                 f"GFLOP/s, bfloat16 {_fmt(measured.get('bfloat16'), '.1f', 1e-9)} GFLOP/s; datasheet: "
                 f"{peaks.get('datasheet_flops')}.")
  for note in meta.get('notes', []):
    lines.append(f'\n**{note}**')
  # --model resnet: a G/D widths column after size (DCGAN tables keep their columns).
  widths = lambda row: f" {row.get('g_width')}/{row.get('d_width')} |" if resnet else ''
  lines += ['', '| batch | size |' + (' G/D width |' if resnet else '') + ' dtype | impl | device | step ms (median) | round medians ms | CPU ms/step | images/s | '
                'compile s | GFLOP/step | GFLOP/s | util (measured peak) | util (measured bf16 peak) | '
                'util (datasheet) | peak RSS MiB | '
                'device peak MiB | speedup vs torch eager | vs torch.compile | load 1m before/after |',
            '|' + '---|' * (21 if resnet else 20)]
  for row in result['results']:
    if row.get('error'):
      lines.append(f"| {row['batch']} | {row['image_size']} |{widths(row)} {row['dtype']} | {row['impl']} | "
                   f"failed: {row['error']} |" + ' |' * 15)
      continue
    rounds = ', '.join(_fmt(v, '.0f') for v in row.get('step_ms_round_medians', []))
    device_peak = row.get('device_peak_bytes')
    lines.append(
        f"| {row['batch']} | {row['image_size']} |{widths(row)} {row['dtype']} | {row['impl']} | "
        f"{row.get('device_kind', row.get('device', '-'))} | {_fmt(row.get('step_ms_median'))} | {rounds} | "
        f"{_fmt(row.get('cpu_ms_median'))} | {_fmt(row.get('images_per_s'), '.0f')} | {_fmt(row.get('compile_s'), '.2f')} | "
        f"{_fmt(row.get('flops_per_step'), '.2f', 1e-9)} | {_fmt(row.get('achieved_flops'), '.1f', 1e-9)} | "
        f"{_fmt(row.get('utilisation_vs_measured_peak'), '.1%')} | "
        f"{_fmt(row.get('utilisation_vs_measured_bf16_peak'), '.1%')} | "
        f"{_fmt(row.get('utilisation_vs_datasheet_peak'), '.1%')} | {_fmt(row.get('peak_rss_mb'), '.0f')} | "
        f"{_fmt(device_peak / 2 ** 20 if device_peak else None, '.0f')} | "
        f"{_fmt(row.get('speedup_vs_' + TORCH_EAGER), '.2f')} | "
        f"{_fmt(row.get('speedup_vs_' + TORCH_COMPILE), '.2f')} | {_load(row)} |")
  lines += ['', 'CPU ms/step: process CPU time (all threads) per step, median; on a shared machine it '
                'is steadier than wall time (it excludes waiting for a core). compile s: JAX lower+compile of the jitted step; torch.compile: first call (compiles). '
                'GFLOP/step: XLA cost analysis of the JAX step (the peer runs the same algorithm). '
                'util (measured peak): of the measured matmul rate in the row\'s dtype; (measured bf16 peak): '
                'of the bfloat16 rate, the device\'s best, for every row. '
                'Speedups are peer step time / this step time at the same shape.']
  extras = result.get('extras') or {}
  if extras:
    lines += ['', '| extra | images/s | notes |', '|---|---|---|']
    for name, value in extras.items():
      lines.append(f"| {name} | {_fmt(value.get('images_per_s'), '.0f')} | {value.get('note', '')} |")
  lines += ['', f"jax_vs_torch_speedup (torch eager / JAX at {result.get('speedup_shape')}): "
                f"{_fmt(result.get('jax_vs_torch_speedup'), '.3f')}", '']
  return '\n'.join(lines)
