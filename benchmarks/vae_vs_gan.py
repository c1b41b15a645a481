"""VAE vs DCGAN on the offline digits (BENCHMARKS.md, "VAE vs GAN on digits"): the same data, the same
evaluation (val split, digits-classifier FID, precision/recall (k=3), modes; 1,000 samples), several
seeds; mean ± standard error per cell, as a markdown table.

  python benchmarks/vae_vs_gan.py --seeds 3 --steps 500 --parallel 6 --workdir /tmp/vae_vs_gan

Each run is `launch.py --config configs/<cell>.py` in its own process (nice -n 5) with --config.seed=s
and the schedule overridden; a finished run (its eval/val_step<steps>.json exists) is not rerun.
Step time is the mean of metrics.jsonl's `step_time` after the first logged window.
"""

import argparse
import concurrent.futures
import json
import os
import subprocess
import sys
import time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from seed_stats import mean_se  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# cell -> (config file, extra flags). Conditional cells use model.conditional (a cVAE: labels into encoder
# and decoder; a cGAN: projection D and conditional-BN G, where gan_jax has them).
CELLS = {
    'DCGAN': ('dcgan_digits.py', ()),
    'VAE': ('vae_digits.py', ()),
    'cVAE': ('vae_digits.py', ('--config.model.conditional=projection',)),
    'cDCGAN': ('dcgan_digits.py', ('--config.model.conditional=projection',)),
}
# The VAE's bounds are on binarised digits (configs/vae_digits.py: Bernoulli likelihood): bits per binary pixel.
COLUMNS = (('fid', 'FID', 2), ('precision', 'precision', 3), ('recall', 'recall', 3), ('modes', 'modes', 1),
           ('neg_elbo_binarized', 'neg. ELBO, binarised (nats)', 1),
           ('bits_per_dim_binarized', 'bits/binary dim', 4), ('neg_iwae_binarized', 'neg. IWAE-100, binarised', 1),
           ('step_ms', 'step ms', 1), ('wall_s', 'run s', 0))


def run_cell(cell: str, seed: int, steps: int, workdir: str) -> dict:
  config, extra = CELLS[cell]
  result_path = os.path.join(workdir, 'eval', f'val_step{steps}.json')
  if not os.path.exists(result_path):
    flags = [f'--config.seed={seed}', f'--config.train.steps={steps}', '--config.train.log_every=50',
             f'--config.checkpoint.every_steps={steps}', '--config.train.sample_every=0',
             '--config.eval.every_steps=0', '--config.eval.best_metric=',
             "--config.eval.metrics=('fid','precision_recall','modes')", '--config.eval.num_samples=1000',
             *extra]
    command = ['nice', '-n', '5', sys.executable, os.path.join(ROOT, 'launch.py'),
               f'--config={os.path.join(ROOT, "configs", config)}', f'--workdir={workdir}', *flags]
    begin = time.time()
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
      raise RuntimeError(f'{cell} seed {seed} failed:\n{done.stderr[-3000:]}')
    with open(os.path.join(workdir, 'wall_s.txt'), 'w') as f:
      f.write(str(time.time() - begin))
  results = dict(json.load(open(result_path))['results'])
  with open(os.path.join(workdir, 'metrics.jsonl')) as f:
    step_times = [json.loads(line)['step_time'] for line in f][1:]
  results['step_ms'] = 1000 * sum(step_times) / len(step_times)
  results['wall_s'] = float(open(os.path.join(workdir, 'wall_s.txt')).read())
  return results


def table(per_cell: dict) -> str:
  lines = ['| cell | ' + ' | '.join(title for _, title, _ in COLUMNS) + ' |',
           '| --- |' + ' --- |' * len(COLUMNS)]
  for cell, runs in per_cell.items():
    cells = []
    for key, _, digits in COLUMNS:
      mean, se = mean_se([r.get(key) for r in runs])
      cells.append('–' if mean is None else f'{mean:.{digits}f} ± {se:.{digits}f}')
    lines.append(f'| {cell} (n={len(runs)}) | ' + ' | '.join(cells) + ' |')
  return '\n'.join(lines)


def main(argv=None):
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument('--seeds', type=int, default=3)
  parser.add_argument('--steps', type=int, default=1000)
  parser.add_argument('--cells', default='DCGAN,VAE,cVAE')
  parser.add_argument('--workdir', default='/tmp/vae_vs_gan')
  parser.add_argument('--parallel', type=int, default=1, help='runs at once (each its own process)')
  args = parser.parse_args(argv)
  jobs = [(cell, seed) for seed in range(args.seeds) for cell in args.cells.split(',')]   # seed-major
  with concurrent.futures.ThreadPoolExecutor(args.parallel) as pool:
    futures = {job: pool.submit(run_cell, job[0], job[1], args.steps,
                                os.path.join(args.workdir, f'{job[0]}_seed{job[1]}')) for job in jobs}
    per_cell = {}
    for (cell, seed), future in futures.items():
      result = future.result()
      per_cell.setdefault(cell, []).append(result)
      print(f'{cell} seed {seed}: ' + json.dumps({k: round(v, 4) for k, v in result.items()
                                                  if isinstance(v, float)}), flush=True)
  print(table(per_cell))
  return per_cell


if __name__ == '__main__':
  main()
