"""CycleGAN digits <-> MNIST (issue 23): K seeds of configs/cyclegan_digits_mnist5k.py, both directions, mean ± s.e.

  python benchmarks/cyclegan_bench.py --seeds=3 --workdir=/tmp/cyclegan_bench            # the benchmark
  python benchmarks/cyclegan_bench.py --config=cyclegan_digits_mnist5k.py:small --steps=40 --workdir=/tmp/cg_small
  python benchmarks/cyclegan_bench.py --dry_run                                           # the commands only
  python benchmarks/cyclegan_bench.py --config=cyclegan_digits_mnist5k.py:cpu --set=data.frame_fraction=1.0 \
      --results=benchmarks/results/cyclegan_digits_mnist5k_cpu_full_frame ...            # a config override

Each seed is two launch.py runs in its own workdir (<workdir>/seed_<s>): train (the config's schedule, or
--steps), then --mode=evaluate on the test split of both domains with cyclegan.metrics = label preservation,
cycle errors (also after N(0, cyclegan.noise_std) noise on G(x)), FID of translations in the target domain's
classifier features, and the CyCADA-style downstream number: a classifier (config.classifier) trained on
G(a's train split) with a's labels, tested on b's real test split (downstream_a2b), beside source-only
(trained on a) and oracle (trained on b); and b2a. The instruments are each domain's evaluation classifier,
trained on that domain's real data only. A seed whose evaluation exists is read back, not rerun.
Writes <results>.json (every seed's results with its commands) and <results>.md (the table, each command).
--dry_run checks the config (one-line errors) and prints the commands, running and writing nothing.
"""

import json
import os
import shlex
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, 'benchmarks'))
import config_files  # noqa: E402
from seed_stats import mean_se  # noqa: E402

from absl import app, flags  # noqa: E402

from gan_jax.core import schema  # noqa: E402

flags.DEFINE_integer('seeds', 3, 'Seeds 0 .. seeds-1.')
flags.DEFINE_string('config', 'cyclegan_digits_mnist5k.py', 'Config file under configs/ (with :small for a smoke run).')
flags.DEFINE_integer('steps', 0, 'train.steps (0: the config\'s).')
flags.DEFINE_string('workdir', '/tmp/cyclegan_bench', 'Run directories: <workdir>/seed_<s>.')
flags.DEFINE_string('data_dir', '', 'config.data.data_dir (\'\': the default).')
flags.DEFINE_string('results', '', "Results prefix (.json/.md); '' = benchmarks/results/<config name>[_<switch>].")
flags.DEFINE_multi_string('set', [], 'KEY=VALUE: a config override (dotted key; the value a Python literal, else a '
                          'string), given to both commands as --config.KEY=VALUE.')
flags.DEFINE_bool('dry_run', False, 'Check the config and print the commands; run and write nothing.')
FLAGS = flags.FLAGS

EVAL_METRICS = ('label_preservation', 'cycle_error', 'translated_fid', 'downstream')
GROUND_TRUTH = ('ground_truth_l1',)   # added when domain b is domain a under a known map (data_b.transform)
# (result key, column title, digits) in table order.
COLUMNS = (('label_preservation_a2b', 'label pres. a2b', 3), ('label_preservation_b2a', 'label pres. b2a', 3),
           ('downstream_a2b', 'train on G(a), test b', 3), ('source_only_a2b', 'source only a2b', 3),
           ('oracle_a2b', 'oracle b', 3), ('downstream_b2a', 'train on F(b), test a', 3),
           ('source_only_b2a', 'source only b2a', 3), ('oracle_b2a', 'oracle a', 3),
           ('cycle_error_a', 'cycle a', 4), ('cycle_error_noisy_a', 'cycle a + noise', 4),
           ('cycle_error_b', 'cycle b', 4), ('cycle_error_noisy_b', 'cycle b + noise', 4),
           ('fid_a2b', 'FID G(a) vs b', 2), ('fid_b2a', 'FID F(b) vs a', 2),
           ('ground_truth_l1_a2b', 'L1 of G(a) to the truth', 4), ('ground_truth_l1_b2a', 'L1 of F(b) to the truth', 4))
RESULTS_DIR = os.path.join(ROOT, 'benchmarks', 'results')


def results_prefix() -> str:
  if FLAGS.results:
    return FLAGS.results
  name, _, switch = FLAGS.config.partition(':')
  return os.path.join(RESULTS_DIR, name[:-len('.py')] + (f'_{switch}' if switch else ''))


def eval_metrics() -> tuple:
  """cyclegan.metrics of the evaluation: EVAL_METRICS, and GROUND_TRUTH when the config's pair has one."""
  return EVAL_METRICS + (GROUND_TRUTH if base_config().data_b.transform != 'none' else ())


def config_flags(seed: int) -> list:
  found = [f'--config=configs/{FLAGS.config}', f'--config.seed={seed}']   # repo-relative: commands run in ROOT
  if FLAGS.steps:
    found += [f'--config.train.steps={FLAGS.steps}']
  if FLAGS.data_dir:
    found += [f'--config.data.data_dir={FLAGS.data_dir}']
  return found + [f'--config.{key}={text}' for key, text, _ in overrides()]


def overrides() -> list:
  """[(dotted key, value text, value)] of --set (schema.parse_override); app.UsageError (one line) for a bad one."""
  try:
    return [schema.parse_override(item) for item in FLAGS.set]
  except ValueError as e:
    raise app.UsageError(f'--set={e}') from None


def run_root() -> str:
  """--workdir as the commands (run in ROOT) name it: repo-relative inside the repository, else absolute."""
  found = os.path.abspath(FLAGS.workdir)
  return os.path.relpath(found, ROOT) if found.startswith(ROOT + os.sep) else found


def commands(seed: int) -> dict:
  """{'train': argv, 'evaluate': argv} of one seed."""
  launch = ['python', 'launch.py']   # as printed and recorded; run with this interpreter
  workdir = f'--workdir={os.path.join(run_root(), f"seed_{seed}")}'
  metrics = '--config.cyclegan.metrics=(' + ','.join(f"'{m}'" for m in eval_metrics()) + ')'
  return {'train': [*launch, *config_flags(seed), workdir],
          'evaluate': [*launch, *config_flags(seed), workdir, '--mode=evaluate', metrics]}


def base_config():
  """The config file's config (with its switch), before the benchmark's overrides."""
  return config_files.load_config(FLAGS.config)


def load_config(seed: int):
  """The config a seed's commands run (for the dry run's checks and the result file's step)."""
  config = base_config()
  config.seed = seed
  if FLAGS.steps:
    config.train.steps = FLAGS.steps
  if FLAGS.data_dir:
    config.data.data_dir = FLAGS.data_dir
  for key, _, value in overrides():
    schema.set_value(config, key, value)
  config.cyclegan.metrics = eval_metrics()
  return config


def run_seed(seed: int) -> dict:
  config = load_config(seed)
  result_path = os.path.join(ROOT, run_root(), f'seed_{seed}', 'eval', f'test_step{config.train.steps}.json')
  for name, argv in commands(seed).items():
    if os.path.exists(result_path):
      break
    done = subprocess.run([sys.executable, *argv[1:]], capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
      raise RuntimeError(f'seed {seed} {name} failed ({shlex.join(argv)}):\n{done.stderr[-3000:]}')
  return json.load(open(result_path))['results']


def table(runs: dict) -> str:
  """Markdown: one row per direction-free quantity group, mean ± s.e. over the seeds in `runs`."""
  lines = ['| quantity | mean ± s.e. | seeds |', '| --- | --- | --- |']
  for key, title, digits in COLUMNS:
    mean, se = mean_se([r.get(key) for r in runs.values()])
    if mean is not None:
      lines.append(f'| {title} (`{key}`) | {mean:.{digits}f} ± {se:.{digits}f} | {len(runs)} |')
  return '\n'.join(lines)


def write(runs: dict) -> None:
  prefix = results_prefix()
  os.makedirs(os.path.dirname(prefix), exist_ok=True)
  record = {'config': FLAGS.config, 'steps': FLAGS.steps, 'set': list(FLAGS.set), 'runs': runs,
            'commands': {s: {k: shlex.join(v) for k, v in commands(int(s)).items()} for s in runs}}
  with open(prefix + '.json', 'w') as f:
    json.dump(record, f, indent=1, sort_keys=True)
  config = base_config()
  b = config.data_b.name + (f' under data_b.transform={config.data_b.transform}' if config.data_b.transform != 'none'
                            else '')
  with_set = f' with {", ".join(FLAGS.set)}' if FLAGS.set else ''
  lines = [f'CycleGAN {FLAGS.config}{with_set}, {len(runs)} seeds (test splits; a = {config.data.name}, b = {b}):', '',
           table(runs), '', 'Commands (per seed s):']
  for seed in runs:
    lines += [f'- `{c}`' for c in record['commands'][seed].values()]
  with open(prefix + '.md', 'w') as f:
    f.write('\n'.join(lines) + '\n')


def main(argv):
  del argv
  if FLAGS.dry_run:
    from gan_jax import config_checks  # pylint: disable=g-import-not-at-top
    from gan_jax.core.errors import ConfigError  # pylint: disable=g-import-not-at-top
    for seed in range(FLAGS.seeds):
      try:
        config_checks.validate_config(load_config(seed), 'evaluate', devices=False)
      except ConfigError as error:   # one line, as launch.py gives it
        raise app.UsageError(str(error)) from None
      for name, argv in commands(seed).items():
        print(f'seed {seed} {name}: {shlex.join(argv)}')
    print('columns: ' + ', '.join(key for key, _, _ in COLUMNS))
    return
  runs = {}
  for seed in range(FLAGS.seeds):
    runs[str(seed)] = run_seed(seed)
    write(runs)
    print(f'seed {seed}: ' + json.dumps({k: round(v, 4) for k, v in runs[str(seed)].items()}), flush=True)
  print(table(runs))


if __name__ == '__main__':
  app.run(main)
