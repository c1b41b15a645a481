"""DCGAN vs SNGAN vs cGAN (projection) vs AC-GAN on digits: K seeds each, mean +- standard error.

  python benchmarks/conditional_digits.py --seeds=3 --steps=150 --width=16 --batch=32 --workdir=/tmp/i10_bench
  python benchmarks/conditional_digits.py --models=cgan,acgan ...   # a subset (results merge into the JSON)

Each run is its config (configs/{dcgan,sngan,cgan,acgan}_digits.py) with the schedule overridden by the flags,
trained with train_and_evaluate in this process, then evaluated once on the val split with the digits
classifier: FID, intra-FID (train-split reference per class; conditional models: samples generated FOR each
class, unconditional: grouped by the classifier's prediction), precision/recall (k=3), and for conditional
models conditional accuracy (GAN-test) and CAS. Step time: the mean `step_time` of metrics.jsonl after the
first logging window (compilation excluded). Finished runs are read back from their workdirs, so a rerun only
does what is missing. Each schedule (width, batch, steps, eval samples) has its own table. Writes benchmarks/results/conditional_digits.{json,md}.
"""

import json
import math
import os
import shlex
import sys

os.environ.setdefault('TF_ENABLE_ONEDNN_OPTS', '0')
os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from absl import app, flags, logging  # noqa: E402

flags.DEFINE_integer('seeds', 3, 'Seeds per model (0 .. seeds-1).')
flags.DEFINE_integer('steps', 150, 'G steps per run.')
flags.DEFINE_integer('width', 16, 'model.g_width = model.d_width.')
flags.DEFINE_integer('batch', 32, 'train.batch_size.')
flags.DEFINE_integer('eval_samples', 1000, 'eval.num_samples (intra-FID needs > 64 per class).')
flags.DEFINE_string('models', 'dcgan,sngan,cgan,acgan', 'Comma-separated subset.')
flags.DEFINE_string('workdir', '/tmp/i10_bench', 'Run directories (and the shared data/classifier cache).')
FLAGS = flags.FLAGS

MODELS = {'dcgan': 'dcgan_digits', 'sngan': 'sngan_digits', 'cgan': 'cgan_digits', 'acgan': 'acgan_digits'}
LABELS = {'dcgan': 'DCGAN', 'sngan': 'SNGAN (ResNet, SN, hinge, n_critic 5)', 'cgan': 'cGAN (cBN G, projection D)',
          'acgan': 'AC-GAN (cBN G, AC head)'}
COLUMNS = ('fid', 'intra_fid', 'precision', 'recall', 'conditional_accuracy', 'cas', 'step_time')
RESULTS = os.path.join(ROOT, 'benchmarks', 'results', 'conditional_digits')


def run_config(model: str, seed: int):
  import importlib  # pylint: disable=g-import-not-at-top
  config = importlib.import_module(f'configs.{MODELS[model]}').get_config()
  config.seed = seed
  config.data.data_dir = os.path.join(FLAGS.workdir, 'data')
  config.model.g_width = config.model.d_width = FLAGS.width
  config.train.steps, config.train.batch_size = FLAGS.steps, FLAGS.batch
  config.train.log_every = max(1, FLAGS.steps // 5)
  config.train.sample_every = 0
  config.checkpoint.every_steps = 0
  config.eval.every_steps = 0
  config.eval.best_metric = ''
  config.eval.num_samples = FLAGS.eval_samples
  conditional = config.model.conditional != 'none'
  config.eval.metrics = ('fid', 'intra_fid', 'precision_recall') + (('conditional_accuracy', 'cas') if conditional else ())
  return config


def read_run(workdir: str):
  path = os.path.join(workdir, 'eval', 'results.jsonl')
  if not os.path.isfile(path):
    return None
  with open(path) as f:
    results = json.loads(f.readlines()[-1])['results']
  with open(os.path.join(workdir, 'metrics.jsonl')) as f:
    times = [json.loads(line)['step_time'] for line in f][1:]
  return dict(results, step_time=sum(times) / max(len(times), 1))


def mean_se(values):
  if not values:
    return None, None
  mean = sum(values) / len(values)
  var = sum((v - mean) ** 2 for v in values) / (len(values) - 1) if len(values) > 1 else 0.0
  return mean, math.sqrt(var / len(values))


def schedule_name() -> str:
  return f'w{FLAGS.width}_b{FLAGS.batch}_s{FLAGS.steps}_n{FLAGS.eval_samples}'


def table(command: str, runs_by_model) -> list:
  lines = [f'`{command}`', '', '| model | seeds | ' + ' | '.join(COLUMNS) + ' |',
           '|' + ' --- |' * (len(COLUMNS) + 2)]
  for model in MODELS:
    runs = [r for r in runs_by_model.get(model, {}).values() if r]
    if not runs:
      continue
    cells = []
    for column in COLUMNS:
      mean, se = mean_se([r[column] for r in runs if column in r])
      digits = 4 if column == 'step_time' else 3
      cells.append('—' if mean is None else f'{mean:.{digits}f} ± {se:.{digits}f}')
    lines.append(f'| {LABELS[model]} | {len(runs)} | ' + ' | '.join(cells) + ' |')
  return lines


def write_tables(schedules) -> None:
  """One table per schedule (a schedule's rows may come from several commands: --models subsets)."""
  os.makedirs(os.path.dirname(RESULTS), exist_ok=True)
  with open(RESULTS + '.json', 'w') as f:
    json.dump({'schedules': schedules}, f, indent=2, sort_keys=True)
  lines = []
  for name, entry in schedules.items():
    lines += [f'Schedule {name}:', '', *table(entry['command'], entry['runs']), '']
  with open(RESULTS + '.md', 'w') as f:
    f.write('\n'.join(lines))
  print('\n'.join(lines))


def read_schedules() -> dict:
  """schedule name -> {'command', 'runs': {model: {seed: results}}}, from the results JSON (either format)."""
  if not os.path.isfile(RESULTS + '.json'):
    return {}
  with open(RESULTS + '.json') as f:
    previous = json.load(f)
  if 'schedules' in previous:
    return previous['schedules']
  if 'schedule' in previous:   # the one-schedule format
    return {previous['schedule']: {'command': previous['command'], 'runs': previous['runs']}}
  return {}                    # runs without a recorded schedule cannot be placed


def main(argv):
  del argv
  logging.set_verbosity(logging.WARNING)
  from gan_jax import xla_flags  # pylint: disable=g-import-not-at-top
  xla_flags.configure_xla_for_cpu()
  from gan_jax.train.loop import train_and_evaluate  # pylint: disable=g-import-not-at-top
  command = 'python benchmarks/conditional_digits.py ' + ' '.join(shlex.quote(a) for a in sys.argv[1:])
  schedules = read_schedules()
  entry = schedules.setdefault(schedule_name(), {'command': command, 'runs': {}})
  if all(model in FLAGS.models.split(',') for model in entry['runs']):
    entry['command'] = command
  elif command not in entry['command'].split('  +  '):
    entry['command'] += f'  +  {command}'   # a --models subset joins the rows of another command
  for model in FLAGS.models.split(','):
    for seed in range(FLAGS.seeds):
      workdir = os.path.join(FLAGS.workdir, f'{model}_{schedule_name()}', f'seed{seed}')
      result = read_run(workdir)
      if result is None:
        train_and_evaluate(run_config(model, seed), workdir)
        result = read_run(workdir)
      entry['runs'].setdefault(model, {})[str(seed)] = result
      write_tables(schedules)


if __name__ == '__main__':
  app.run(main)
