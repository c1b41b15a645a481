"""The floor of a data config's evaluation: what a perfect generator reads as. Real train images stand in for
the samples and are scored against the real val split exactly as a run's samples are (same extractor, same
metrics, same reference), once with eval.num_samples images and once with 500 (sampling noise alone).

  python benchmarks/real_floor.py --config=configs/dcgan_mnist5k.py --seeds=3 --workdir=runs/floor

Each seed draws its own subset of the (clean) train split without replacement. Prints a markdown table
(mean ± s.e. over seeds) and writes it with the per-seed numbers to WORKDIR/floor.{md,json}.
"""

import json
import os
import sys

os.environ.setdefault('TF_ENABLE_ONEDNN_OPTS', '0')
os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, 'benchmarks'))
from seed_stats import mean_se  # noqa: E402

from absl import app, flags, logging  # noqa: E402
from ml_collections import config_flags  # noqa: E402

config_flags.DEFINE_config_file('config', os.path.join(ROOT, 'configs', 'dcgan_mnist5k.py'), 'The data config.')
flags.DEFINE_string('workdir', os.path.join('runs', 'floor'), 'Prepared data, classifier cache and the table.')
flags.DEFINE_integer('seeds', 3, 'Subsets drawn per size.')
flags.DEFINE_list('sizes', ['eval', '500'], "Subset sizes: 'eval' = eval.num_samples, or a number.")
FLAGS = flags.FLAGS


def main(argv):
  del argv
  logging.set_verbosity(logging.WARNING)
  import numpy as np  # pylint: disable=g-import-not-at-top
  from gan_jax.data import prepare_dataset  # pylint: disable=g-import-not-at-top
  from gan_jax.metrics.evaluator import Evaluator  # pylint: disable=g-import-not-at-top
  config = FLAGS.config
  if not config.data.data_dir:
    config.data.data_dir = os.path.join(FLAGS.workdir, 'data')
  ds = prepare_dataset(config, FLAGS.workdir)
  train = np.asarray(ds.split_arrays('train')['image'], np.float32)
  rows = {}
  for size in FLAGS.sizes:
    num = config.eval.num_samples if size == 'eval' else int(size)
    for seed in range(FLAGS.seeds):
      config.eval.num_samples = num
      pick = np.random.default_rng(seed).choice(len(train), num, replace=False)
      sample_fn = lambda n, _seed, *_, images=train[pick]: images[:n]
      results = Evaluator(config, ds, os.path.join(FLAGS.workdir, f'n{num}_seed{seed}')).evaluate(sample_fn, 'val')
      rows.setdefault(num, []).append(results)
      print(f'{num} train images vs val, seed {seed}: {json.dumps(results)}', flush=True)
  keys = [k for k in ('fid', 'precision', 'recall', 'modes', 'reverse_kl') if k in rows[next(iter(rows))][0]]
  lines = [f'`python benchmarks/real_floor.py {" ".join(sys.argv[1:])}` (data {config.data.name}, '
           f'{config.data.image_size}x{config.data.image_size}, {len(train)} train images)', '',
           '| real train images scored as samples (vs val) | seeds | ' + ' | '.join(keys) + ' |',
           '|' + ' --- |' * (len(keys) + 2)]
  for num, runs in rows.items():
    cells = [('{:.3f} ± {:.3f}').format(*mean_se([r[k] for r in runs])) for k in keys]
    lines.append(f'| {num} | {len(runs)} | ' + ' | '.join(cells) + ' |')
  table = '\n'.join(lines)
  print(table)
  with open(os.path.join(FLAGS.workdir, 'floor.md'), 'w') as f:
    f.write(table + '\n')
  with open(os.path.join(FLAGS.workdir, 'floor.json'), 'w') as f:
    json.dump({str(k): v for k, v in rows.items()}, f, indent=1)


if __name__ == '__main__':
  app.run(main)
