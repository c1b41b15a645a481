"""Data-efficient GAN training on limited digits: DCGAN x {none, DiffAugment, ADA, DiffAugment + LeCam} x
train fraction {1, 0.25, 0.1} x seeds, evaluated on the FULL val split with the digits classifier.

  python benchmarks/data_efficient.py --out /tmp/i12_runs/bench                  # the BENCHMARKS.md table
  python benchmarks/data_efficient.py --out DIR --report_only                      # re-aggregate
  python benchmarks/data_efficient.py --out DIR --timing                           # ms/step, interleaved
  python benchmarks/data_efficient.py --data=mnist5k --fractions=1,0.2,0.1 --out DIR   # real MNIST digits

The schedule (`schedule_config`) is small enough for the whole table to run in about half an hour on a
busy 2-core CPU: 16x16 digits, DCGAN 16 channels wide, batch 32, --steps G steps (--data, --image_size,
--width and --batch change it). One jitted step is
compiled per variant and reused for every fraction and seed (the shapes do not change); batches come
from gan_jax.data.bulk_batches (the same batches as the tf.data pipeline, on the train_fraction subset).
Each run writes DIR/<variant>/f<fraction>/seed<k>/ (eval/ and run.json); the table goes to DIR/table.md
and DIR/results.json.
"""

import json
import math
import os
import sys
import time

os.environ.setdefault('TF_ENABLE_ONEDNN_OPTS', '0')
os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from absl import app, flags, logging  # noqa: E402

from gan_jax.core import schema  # noqa: E402

flags.DEFINE_string('out', '/tmp/gan_jax_data_efficient', 'Root of the run directories and the table.')
flags.DEFINE_integer('steps', 1500, 'G steps per run.')
flags.DEFINE_integer('seeds', 3, 'Seeds 0 .. seeds-1.')
flags.DEFINE_list('fractions', ['1.0', '0.25', '0.1'], 'data.train_fraction values.')
flags.DEFINE_list('variants', ['none', 'diffaugment', 'ada', 'diffaugment_lecam'], 'Variants to run.')
flags.DEFINE_enum('data', 'digits', ['digits', 'mnist5k'], 'data.name: scikit-learn\'s digits or the 5,000 real '
                  'MNIST digits (mnist5k).')
flags.DEFINE_integer('image_size', 16, 'data.image_size.')
flags.DEFINE_integer('width', 16, 'model.g_width = model.d_width.')
flags.DEFINE_integer('batch', 32, 'train.batch_size.')
flags.DEFINE_string('data_dir', '', 'data.data_dir (prepared data and the classifier cache).')
flags.DEFINE_bool('report_only', False, 'Only aggregate the run.json files under --out.')
flags.DEFINE_bool('timing', False, 'Only measure ms/step of each variant, interleaved (DIR/timing.json).')
FLAGS = flags.FLAGS

# Variant -> config overrides. ADA's ada_kimg is shortened from 500 so that p can move within a short
# schedule (one adjustment = batch * interval / (kimg * 1000) = 32 * 4 / 20000 = 0.0064; 1500 steps allow
# p to reach ~2.4): the paper's 500 kimg suits runs of tens of millions of images.
VARIANTS = {
    'none': {},
    'diffaugment': {'gan_aug.policy': 'color,translation,cutout'},
    'ada': {'gan_aug.policy': 'ada', 'gan_aug.ada_kimg': 20.0},
    'diffaugment_lecam': {'gan_aug.policy': 'color,translation,cutout', 'loss.lecam_weight': 0.3},
}


def schedule_config(steps: int, data_dir: str):
  from configs import dcgan_digits  # pylint: disable=g-import-not-at-top
  config = dcgan_digits.get_config()
  config.data.data_dir = data_dir
  config.data.image_size = FLAGS.image_size
  if FLAGS.data == 'mnist5k':
    from configs.mnist5k_data import use_mnist5k  # pylint: disable=g-import-not-at-top
    use_mnist5k(config, FLAGS.image_size)
  config.model.latent_dim, config.model.g_width, config.model.d_width = 32, FLAGS.width, FLAGS.width
  config.train.steps, config.train.batch_size = steps, FLAGS.batch
  config.ema.decay = 0.99
  config.eval.metrics = ('fid', 'precision_recall')
  config.eval.num_samples, config.eval.every_steps = 1000, 0
  return config


def run_variant(variant: str, fractions, seeds, steps: int, out: str, data_dir: str) -> None:
  import jax  # pylint: disable=g-import-not-at-top
  import numpy as np  # pylint: disable=g-import-not-at-top
  from gan_jax.core import parallel  # pylint: disable=g-import-not-at-top
  from gan_jax.data import prepare_dataset  # pylint: disable=g-import-not-at-top
  from gan_jax.data.bulk_batches import BulkBatches  # pylint: disable=g-import-not-at-top
  from gan_jax.families.gan import trainer as gan_trainer  # pylint: disable=g-import-not-at-top
  from gan_jax.families.gan.multi_seed import seed_config  # pylint: disable=g-import-not-at-top
  from gan_jax.metrics.evaluator import Evaluator  # pylint: disable=g-import-not-at-top

  base = schedule_config(steps, data_dir)
  for dotted, value in VARIANTS[variant].items():
    schema.set_value(base, dotted, value)
  step_fn, sampler, compile_s = None, None, 0.0
  for fraction in fractions:
    for seed in seeds:
      workdir = os.path.join(out, variant, f'f{fraction:g}', f'seed{seed}')
      if os.path.exists(os.path.join(workdir, 'run.json')):
        continue
      os.makedirs(workdir, exist_ok=True)
      config = seed_config(base, seed)
      config.data.train_fraction = float(fraction)
      ds = prepare_dataset(config, workdir)
      setup = gan_trainer.GanTrainer(config, ds.example_shape)
      state = setup.fresh_state()
      per_step = config.train.batch_size * setup.batches_per_step()   # one real batch per D update
      batch = parallel.to_global_batch({'image': np.zeros((per_step, *ds.example_shape), np.float32)}, setup.mesh)
      if step_fn is None:   # one compilation per variant: seeds and fractions share the program
        began = time.perf_counter()
        step_fn = setup.make_train_step().lower(state, batch, state.rng).compile()
        compile_s = time.perf_counter() - began
        sampler = setup   # the trainer's sampler (EMA weights, standing statistics), as --mode=evaluate
      batches, rng = BulkBatches(config, ds, per_step), parallel.replicated_copy(state.rng, setup.mesh)
      began, trace, chunk = time.perf_counter(), [], 100
      for start in range(0, steps, chunk):
        images = batches.batches(start, min(chunk, steps - start))
        for x in images:
          state, metrics = step_fn(state, parallel.to_global_batch({'image': x}, setup.mesh), rng)
        trace.append({'step': start + len(images), **{k: float(v) for k, v in jax.device_get(metrics).items()}})
      train_s = time.perf_counter() - began
      results = Evaluator(config, ds, workdir).evaluate(sampler.sample_fn(state), 'val', steps)
      record = {'variant': variant, 'fraction': fraction, 'seed': seed, 'steps': steps,
                'train_examples': int(len(ds.train_subset) if ds.train_subset is not None
                                      else len(ds.split_arrays('train')['label'])),
                'val_examples': int(len(ds.split_arrays('val')['label'])),
                'ms_per_step': 1e3 * train_s / steps, 'compile_s': compile_s, 'trace': trace,
                'results': {k: float(v) for k, v in results.items() if isinstance(v, (int, float))}}
      with open(os.path.join(workdir, 'run.json'), 'w') as f:
        json.dump(record, f, indent=1)
      print(f'{variant} f={fraction:g} seed={seed}: fid {record["results"]["fid"]:.2f} '
            f'{record["ms_per_step"]:.1f} ms/step p={trace[-1]["aug_p"]:.3f} r_t={trace[-1]["aug_rt"]:.2f}',
            flush=True)


def time_variants(variants, out: str, data_dir: str, rounds: int = 5, steps: int = 20) -> dict:
  """ms per train step of each variant on the schedule, measured in interleaved rounds (the load of a
  shared machine drifts; interleaving spreads it evenly), median over rounds."""
  import jax  # pylint: disable=g-import-not-at-top
  import numpy as np  # pylint: disable=g-import-not-at-top
  from gan_jax.core import parallel  # pylint: disable=g-import-not-at-top
  from gan_jax.families.gan import trainer as gan_trainer  # pylint: disable=g-import-not-at-top
  runs = {}
  for variant in variants:
    config = schedule_config(steps, data_dir)
    for dotted, value in VARIANTS[variant].items():
      schema.set_value(config, dotted, value)
    shape = (FLAGS.image_size, FLAGS.image_size, 1)
    setup = gan_trainer.GanTrainer(config, shape)
    state = setup.fresh_state()
    x = np.random.default_rng(0).uniform(-1, 1, (config.train.batch_size * setup.batches_per_step(), *shape))
    x = x.astype(np.float32)
    batch = parallel.to_global_batch({'image': x}, setup.mesh)
    rng = parallel.replicated_copy(state.rng, setup.mesh)
    step = setup.make_train_step().lower(state, batch, rng).compile()
    state, metrics = step(state, batch, rng)
    runs[variant] = [step, state, batch, rng, []]
  for _ in range(rounds):
    for variant, run in runs.items():
      step, state, batch, rng, times = run
      jax.block_until_ready(state)
      began = time.perf_counter()
      for _ in range(steps):
        state, metrics = step(state, batch, rng)
      jax.block_until_ready(metrics)
      times.append(1e3 * (time.perf_counter() - began) / steps)
      run[1] = state
  timing = {v: {'ms_per_step_median': float(np.median(r[4])), 'rounds_ms': r[4]} for v, r in runs.items()}
  with open(os.path.join(out, 'timing.json'), 'w') as f:
    json.dump(timing, f, indent=1)
  return timing


def _mean_se(values):
  n = len(values)
  mean = sum(values) / n
  se = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1) / n) if n > 1 else float('nan')
  return mean, se


def report(out: str) -> str:
  records = []
  for directory, _, files in os.walk(out):
    if 'run.json' in files:
      with open(os.path.join(directory, 'run.json')) as f:
        records.append(json.load(f))
  cells = {}
  for r in records:
    cells.setdefault((r['fraction'], r['variant']), []).append(r)
  lines = ['| train fraction (images) | variant | seeds | FID (val) | precision | recall | final r_t | final p | ms/step |',
           '| --- | --- | --- | --- | --- | --- | --- | --- | --- |']
  order = list(VARIANTS)
  summary = []
  for (fraction, variant), runs in sorted(cells.items(), key=lambda kv: (-kv[0][0], order.index(kv[0][1]))):
    stats = {k: _mean_se([r['results'][k] for r in runs]) for k in ('fid', 'precision', 'recall')}
    stats['r_t'] = _mean_se([r['trace'][-1]['aug_rt'] for r in runs])
    stats['p'] = _mean_se([r['trace'][-1]['aug_p'] for r in runs])
    stats['ms'] = _mean_se([r['ms_per_step'] for r in runs])
    fmt = lambda k, d=2: f'{stats[k][0]:.{d}f} ± {stats[k][1]:.{d}f}'
    lines.append(f'| {fraction:g} ({runs[0]["train_examples"]}) | {variant} | {len(runs)} | {fmt("fid")} | '
                 f'{fmt("precision", 3)} | {fmt("recall", 3)} | {fmt("r_t")} | '
                 f'{fmt("p", 3) if variant == "ada" else "-"} | {stats["ms"][0]:.1f} |')
    summary.append({'fraction': fraction, 'variant': variant, 'seeds': [r['seed'] for r in runs],
                    **{k: list(v) for k, v in stats.items()}})
  table = '\n'.join(lines) + '\n'
  with open(os.path.join(out, 'table.md'), 'w') as f:
    f.write(table)
  with open(os.path.join(out, 'results.json'), 'w') as f:
    json.dump(summary, f, indent=1)
  return table


def main(argv):
  del argv
  logging.set_verbosity(logging.WARNING)   # Orbax logs every step of a save at INFO
  for variant in FLAGS.variants:
    if variant not in VARIANTS:
      raise SystemExit(f'--variants: {variant!r} is not one of {", ".join(VARIANTS)}')
  if FLAGS.timing:
    os.makedirs(FLAGS.out, exist_ok=True)
    for variant, t in time_variants(FLAGS.variants, FLAGS.out, FLAGS.data_dir).items():
      print(f'{variant}: {t["ms_per_step_median"]:.1f} ms/step (rounds: {", ".join(f"{v:.1f}" for v in t["rounds_ms"])})')
    return
  if not FLAGS.report_only:
    for variant in FLAGS.variants:
      run_variant(variant, [float(f) for f in FLAGS.fractions], range(FLAGS.seeds), FLAGS.steps, FLAGS.out,
                  FLAGS.data_dir)
  print(report(FLAGS.out))


if __name__ == '__main__':
  app.run(main)
