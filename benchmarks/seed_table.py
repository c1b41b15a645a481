"""Mean ± standard error over seeds of what launch.py runs wrote: one markdown row from several workdirs.

  python benchmarks/seed_table.py runs/i20/main_seed0 runs/i20/main_seed1 runs/i20/main_seed2 --split val
  python benchmarks/seed_table.py runs/i20/vae_seed* --split test --keys neg_elbo_binarized fid

Reads each WORKDIR/eval/<split>_step<k>.json (the last step unless --step), prints the per-seed values and
the row `| n | key: mean ± s.e. | ... |` (s.e. = sample standard deviation / sqrt(n)).
"""

import argparse
import glob
import json
import os
import re
import sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from seed_stats import mean_se  # noqa: E402


def last_record(workdir: str, split: str, step: int = 0) -> dict:
  paths = glob.glob(os.path.join(workdir, 'eval', f'{split}_step*.json'))
  steps = {int(re.search(r'_step(\d+)\.json$', p).group(1)): p for p in paths}
  if not steps:
    raise SystemExit(f'{workdir}: no eval/{split}_step*.json')
  chosen = step or max(steps)
  if chosen not in steps:
    raise SystemExit(f'{workdir}: no eval/{split}_step{chosen}.json (has {sorted(steps)})')
  with open(steps[chosen]) as f:
    return json.load(f)


def main():
  parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
  parser.add_argument('workdirs', nargs='+')
  parser.add_argument('--split', default='val')
  parser.add_argument('--step', type=int, default=0, help='0 = the last evaluated step of each run')
  parser.add_argument('--keys', nargs='+', default=['fid', 'precision', 'recall', 'modes', 'reverse_kl'])
  args = parser.parse_args()
  records = [last_record(w, args.split, args.step) for w in args.workdirs]
  for workdir, record in zip(args.workdirs, records):
    print(workdir, f'step {record["step"]}:', {k: round(record['results'][k], 4) for k in args.keys
                                                 if k in record['results']})
  keys = [k for k in args.keys if all(k in r['results'] for r in records)]
  cells = [f'{k} {m:.3f} ± {s:.3f}' for k in keys for m, s in [mean_se([r['results'][k] for r in records])]]
  print(f'| {len(records)} | ' + ' | '.join(cells) + ' |')


if __name__ == '__main__':
  main()
